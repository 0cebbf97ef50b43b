"""selectors.py - label selectors (the query syntax: =, ==, !=, in, notin,
exists, !exists; and metav1.LabelSelector objects) and field selectors
(metadata.name, metadata.namespace, status.phase, spec.nodeName).  Parse
errors raise meta.ApiError 400 the way the apiserver words them."""
import re

from .meta import bad_request

_TOKEN = re.compile(r"\s*(!=|==|=|\(|\)|,|!|[^\s!=(),]+)")


def _tokens(s):
    pos, out = 0, []
    while pos < len(s):
        m = _TOKEN.match(s, pos)
        if not m:
            if s[pos:].strip() == "":
                break
            raise bad_request(f"unable to parse requirement: invalid "
                              f"label selector {s!r}")
        out.append(m.group(1))
        pos = m.end()
    return out


class Requirement:
    def __init__(self, key, op, values=()):
        self.key, self.op, self.values = key, op, list(values)

    def matches(self, labels):
        has = self.key in labels
        v = labels.get(self.key)
        if self.op in ("=", "==", "in"):
            return has and v in self.values
        if self.op in ("!=", "notin"):
            return not has or v not in self.values
        if self.op == "exists":
            return has
        if self.op == "!":
            return not has
        return False

    def __str__(self):
        if self.op == "exists":
            return self.key
        if self.op == "!":
            return "!" + self.key
        if self.op in ("in", "notin"):
            return f"{self.key} {self.op} ({','.join(sorted(self.values))})"
        return f"{self.key}{self.op}{self.values[0]}"


def parse_label_selector(s):
    """A labelSelector query string -> list of Requirements (all must hold)."""
    if s is None or s.strip() == "":
        return []
    toks = _tokens(s)
    reqs, i = [], 0

    def err(why):
        return bad_request(f"unable to parse requirement: {why}")

    while i < len(toks):
        if toks[i] == "!":
            if i + 1 >= len(toks):
                raise err("found '', expected: identifier")
            reqs.append(Requirement(toks[i + 1], "!"))
            i += 2
        else:
            key = toks[i]
            if key in ("=", "==", "!=", "(", ")", ","):
                raise err(f"found '{key}', expected: !, identifier, or 'end of string'")
            i += 1
            if i >= len(toks) or toks[i] == ",":
                reqs.append(Requirement(key, "exists"))
            elif toks[i] in ("=", "==", "!="):
                op = toks[i]
                i += 1
                val = ""
                if i < len(toks) and toks[i] not in (",", "(", ")", "=", "==", "!="):
                    val = toks[i]
                    i += 1
                reqs.append(Requirement(key, op, [val]))
            elif toks[i] in ("in", "notin"):
                op = toks[i]
                i += 1
                if i >= len(toks) or toks[i] != "(":
                    raise err("found '', expected: '('")
                i += 1
                vals = []
                while i < len(toks) and toks[i] != ")":
                    if toks[i] != ",":
                        vals.append(toks[i])
                    i += 1
                if i >= len(toks):
                    raise err("found '', expected: ')'")
                i += 1
                reqs.append(Requirement(key, op, vals))
            else:
                raise err(f"found '{toks[i]}', expected: in, notin, =, ==, "
                          f"!=, gt, lt, or ','")
        if i < len(toks):
            if toks[i] != ",":
                raise err(f"found '{toks[i]}', expected: ','")
            i += 1
    return reqs


def labels_match(reqs, labels):
    labels = labels or {}
    return all(r.matches(labels) for r in reqs)


def from_label_selector(sel):
    """metav1.LabelSelector {matchLabels, matchExpressions} -> Requirements;
    None for a nil selector (matches nothing in controllers)."""
    if sel is None:
        return None
    reqs = [Requirement(k, "=", [v])
            for k, v in sorted((sel.get("matchLabels") or {}).items())]
    for e in sel.get("matchExpressions") or []:
        op = {"In": "in", "NotIn": "notin", "Exists": "exists",
              "DoesNotExist": "!"}.get(e.get("operator"))
        if op:
            reqs.append(Requirement(e.get("key", ""), op, e.get("values") or []))
    return reqs


def selector_string(sel):
    """The string form of a LabelSelector (Scale status.selector)."""
    return ",".join(str(r) for r in from_label_selector(sel) or [])


FIELDS = {
    "pods": ("metadata.name", "metadata.namespace", "status.phase",
             "spec.nodeName", "spec.restartPolicy", "status.podIP"),
}
DEFAULT_FIELDS = ("metadata.name", "metadata.namespace")


def parse_field_selector(s, resource):
    """fieldSelector -> list of (field, op, value); op is "=" or "!="."""
    if s is None or s.strip() == "":
        return []
    allowed = FIELDS.get(resource, DEFAULT_FIELDS)
    out = []
    for part in s.split(","):
        part = part.strip()
        m = re.match(r"^([^=!]+)(==|=|!=)(.*)$", part)
        if not m:
            raise bad_request(f"invalid selector: '{s}'; can't understand '{part}'")
        field, op, val = m.group(1).strip(), m.group(2), m.group(3).strip()
        if field not in allowed:
            raise bad_request(f'field label not supported: {field}')
        out.append((field, "!=" if op == "!=" else "=", val))
    return out


def _field_value(obj, field):
    v = obj
    for k in field.split("."):
        v = v.get(k) if isinstance(v, dict) else None
    return "" if v is None else str(v)


def fields_match(reqs, obj):
    for field, op, val in reqs:
        got = _field_value(obj, field)
        if (got == val) != (op == "="):
            return False
    return True
