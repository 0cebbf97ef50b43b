"""patch.py - the PATCH algorithms: JSON merge patch (RFC 7386), JSON patch
(RFC 6902), and strategic merge patch approximated the way KUBERNETES.md
section 6.3 allows: lists of objects with a known merge key merge
element-wise; the $patch, $setElementOrder, $retainKeys and
$deleteFromPrimitiveList directives that kubectl sends are understood.
Functions return new values and never modify their arguments."""
import copy

from .meta import ApiError, bad_request


def merge_patch(target, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


# ------------------------------------------------------------ JSON patch

def _unescape(tok):
    return tok.replace("~1", "/").replace("~0", "~")


def _pointer(path):
    if path == "":
        return []
    if not path.startswith("/"):
        raise ValueError(f"JSON pointer must start with '/': {path!r}")
    return [_unescape(t) for t in path[1:].split("/")]


def _walk(doc, toks, path):
    cur = doc
    for t in toks:
        if isinstance(cur, dict):
            if t not in cur:
                raise ValueError(f"doc is missing path: {path!r}")
            cur = cur[t]
        elif isinstance(cur, list):
            try:
                cur = cur[int(t)]
            except (ValueError, IndexError):
                raise ValueError(f"doc is missing path: {path!r}") from None
        else:
            raise ValueError(f"doc is missing path: {path!r}")
    return cur


def _add(doc, toks, value, path, replace=False):
    if not toks:
        return value
    parent = _walk(doc, toks[:-1], path)
    key = toks[-1]
    if isinstance(parent, dict):
        if replace and key not in parent:
            raise ValueError(f"replace operation does not apply: doc is "
                             f"missing key: {path}")
        parent[key] = value
    elif isinstance(parent, list):
        if key == "-" and not replace:
            parent.append(value)
        else:
            try:
                i = int(key)
            except ValueError:
                raise ValueError(f"invalid array index: {key}") from None
            if replace:
                if not 0 <= i < len(parent):
                    raise ValueError(f"replace operation does not apply: doc "
                                     f"is missing path: {path}")
                parent[i] = value
            else:
                if not 0 <= i <= len(parent):
                    raise ValueError(f"add operation does not apply: doc is "
                                     f"missing path: {path!r}")
                parent.insert(i, value)
    else:
        raise ValueError(f"doc is missing path: {path!r}")
    return doc


def _remove(doc, toks, path):
    if not toks:
        raise ValueError("cannot remove the whole document")
    parent = _walk(doc, toks[:-1], path)
    key = toks[-1]
    if isinstance(parent, dict) and key in parent:
        return parent.pop(key)
    if isinstance(parent, list):
        try:
            return parent.pop(int(key))
        except (ValueError, IndexError):
            pass
    raise ValueError(f"remove operation does not apply: doc is missing "
                     f"path: {path!r}")


def json_patch(doc, ops):
    """Applies an RFC 6902 op list.  A malformed list is 400; an op that
    does not apply (missing path, failed test) is 422, as in the
    apiserver's patcher."""
    if not isinstance(ops, list):
        raise bad_request("json: cannot unmarshal object into Go value of "
                          "type jsonpatch.Patch")
    doc = copy.deepcopy(doc)
    for op in ops:
        if not isinstance(op, dict) or "op" not in op:
            raise bad_request("invalid JSON patch operation")
        try:
            kind, path = op["op"], op.get("path")
            if path is None:
                raise ValueError(f"{kind} operation missing path")
            toks = _pointer(path)
            if kind == "add":
                doc = _add(doc, toks, copy.deepcopy(op.get("value")), path)
            elif kind == "replace":
                doc = _add(doc, toks, copy.deepcopy(op.get("value")), path,
                           replace=True)
            elif kind == "remove":
                _remove(doc, toks, path)
            elif kind in ("move", "copy"):
                src = op.get("from")
                if src is None:
                    raise ValueError(f"{kind} operation missing from")
                stoks = _pointer(src)
                val = copy.deepcopy(_walk(doc, stoks, src))
                if kind == "move":
                    _remove(doc, stoks, src)
                doc = _add(doc, toks, val, path)
            elif kind == "test":
                try:
                    got = _walk(doc, toks, path)
                except ValueError:
                    got = None
                if got != op.get("value"):
                    raise ValueError(f"testing value {path} failed: "
                                     f"test failed")
            else:
                raise bad_request(f"Unexpected kind: {kind}")
        except ValueError as e:
            raise ApiError(422, "Invalid", str(e), {}) from None
    return doc


# ------------------------------------------------------- strategic merge

# Lists merged element-wise, by the field's patchMergeKey in the Go types.
MERGE_KEYS = {
    "containers": "name", "initContainers": "name",
    "ephemeralContainers": "name", "volumes": "name",
    "volumeMounts": "mountPath", "volumeDevices": "devicePath",
    "env": "name", "imagePullSecrets": "name", "conditions": "type",
    "ownerReferences": "uid", "tolerations": None, "hostAliases": "ip",
    "topologySpreadConstraints": "topologyKey",
}
# "ports" merges by containerPort in containers and by port in Services.
PORT_KEYS = ("containerPort", "port")
# Primitive lists with patchStrategy merge (a set).
MERGED_PRIMITIVE = {"finalizers"}


def _merge_key(field, items):
    if field == "ports":
        for k in PORT_KEYS:
            if any(isinstance(i, dict) and k in i for i in items):
                return k
        return None
    return MERGE_KEYS.get(field)


def strategic_merge(target, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if patch.get("$patch") == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    if patch.get("$patch") == "delete":
        return None
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    retain = patch.get("$retainKeys")
    orders = {}
    for k, v in patch.items():
        if k in ("$patch", "$retainKeys"):
            continue
        if k.startswith("$setElementOrder/"):
            orders[k.split("/", 1)[1]] = v
            continue
        if k.startswith("$deleteFromPrimitiveList/"):
            field = k.split("/", 1)[1]
            if isinstance(out.get(field), list):
                out[field] = [x for x in out[field] if x not in v]
            continue
        if v is None:
            out.pop(k, None)
        elif isinstance(v, list):
            out[k] = _merge_list(k, out.get(k), v)
        elif isinstance(v, dict):
            merged = strategic_merge(out.get(k), v)
            if merged is None:
                out.pop(k, None)
            else:
                out[k] = merged
        else:
            out[k] = v
    for field, order in orders.items():
        if isinstance(out.get(field), list):
            out[field] = _reorder(field, out[field], order)
    if isinstance(retain, list):
        out = {k: v for k, v in out.items() if k in retain}
    return out


def _merge_list(field, cur, patch):
    cur = cur if isinstance(cur, list) else []
    if field in MERGED_PRIMITIVE:
        return list(cur) + [x for x in patch if x not in cur]
    key = _merge_key(field, patch + cur)
    if key is None or not all(isinstance(i, dict) for i in patch):
        return [copy.deepcopy(x) for x in patch
                if not (isinstance(x, dict) and x.get("$patch"))]
    if any(isinstance(i, dict) and i.get("$patch") == "replace" for i in patch):
        return [copy.deepcopy(i) for i in patch if i.get("$patch") != "replace"]
    out = [copy.deepcopy(i) for i in cur]
    for item in patch:
        if key not in item:
            raise bad_request(f"map: {item} does not contain declared merge "
                              f"key: {key}")
        idx = next((n for n, e in enumerate(out)
                    if isinstance(e, dict) and e.get(key) == item[key]), None)
        if item.get("$patch") == "delete":
            if idx is not None:
                out.pop(idx)
            continue
        if idx is None:
            out.append(strategic_merge({}, item))
        else:
            out[idx] = strategic_merge(out[idx], item)
    return out


def _reorder(field, items, order):
    key = _merge_key(field, items)
    if key is None:
        return items
    pos = {}
    for n, o in enumerate(order):
        if isinstance(o, dict) and key in o:
            pos[o[key]] = n
    listed = [i for i in items if i.get(key) in pos]
    rest = [i for i in items if i.get(key) not in pos]
    listed.sort(key=lambda i: pos[i.get(key)])
    return listed + rest
