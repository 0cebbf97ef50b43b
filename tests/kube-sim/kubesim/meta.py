"""meta.py - what every other kube-sim module shares: the resource table
(groups, kinds, short names, verbs: the source of discovery and routing),
the Status error type with the messages of apimachinery's errors.go, field
error causes as the apiserver words them, name/label syntax checks, and
resource quantities.  No I/O here."""
import datetime
import json
import re
import secrets
import uuid
from decimal import Decimal, ROUND_CEILING

# resource -> description.  "group" "" is the core group (/api/v1).
RESOURCES = {
    "pods": {
        "group": "", "version": "v1", "kind": "Pod", "singular": "pod",
        "shortNames": ["po"], "categories": ["all"],
        "verbs": ["create", "delete", "deletecollection", "get", "list",
                  "patch", "update", "watch"],
    },
    "services": {
        "group": "", "version": "v1", "kind": "Service", "singular": "service",
        "shortNames": ["svc"], "categories": ["all"],
        "verbs": ["create", "delete", "deletecollection", "get", "list",
                  "patch", "update", "watch"],
    },
    "persistentvolumeclaims": {
        "group": "", "version": "v1", "kind": "PersistentVolumeClaim",
        "singular": "persistentvolumeclaim", "shortNames": ["pvc"],
        "categories": [],
        "verbs": ["create", "delete", "deletecollection", "get", "list",
                  "patch", "update", "watch"],
    },
    "deployments": {
        "group": "apps", "version": "v1", "kind": "Deployment",
        "singular": "deployment", "shortNames": ["deploy"],
        "categories": ["all"],
        "verbs": ["create", "delete", "deletecollection", "get", "list",
                  "patch", "update", "watch"],
    },
}

# Subresources served, per resource: name -> (group, version, kind, verbs).
SUBRESOURCES = {
    "pods": {
        "portforward": ("", "v1", "PodPortForwardOptions", ["create", "get"]),
        "log": ("", "v1", "Pod", ["get"]),
        "status": ("", "v1", "Pod", ["get"]),
    },
    "deployments": {
        "scale": ("autoscaling", "v1", "Scale", ["get", "patch", "update"]),
        "status": ("apps", "v1", "Deployment", ["get"]),
    },
}

GROUP_VERSIONS = {"": ["v1"], "apps": ["v1"], "autoscaling": ["v1"]}


def api_version(resource):
    r = RESOURCES[resource]
    return r["version"] if not r["group"] else r["group"] + "/" + r["version"]


def group_resource(resource):
    """"deployments.apps" / "pods": how messages name a resource."""
    g = RESOURCES[resource]["group"]
    return resource + "." + g if g else resource


def group_kind(resource):
    """"Deployment.apps" / "Pod": how 422 messages name a kind."""
    r = RESOURCES[resource]
    return r["kind"] + "." + r["group"] if r["group"] else r["kind"]


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def timestamp(t=None):
    """RFC 3339 in seconds, as metav1.Time serialises."""
    t = t or now()
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc)


def new_uid():
    return str(uuid.uuid4())


# k8s.io/apimachinery/pkg/util/rand: no vowels, no look-alikes.
SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def random_suffix(n=5):
    return "".join(secrets.choice(SAFE_ALPHABET) for _ in range(n))


def safe_encode(data, n):
    """Deterministic n characters of SAFE_ALPHABET from bytes (for hashes)."""
    v = int.from_bytes(data, "big")
    out = []
    for _ in range(n):
        v, r = divmod(v, len(SAFE_ALPHABET))
        out.append(SAFE_ALPHABET[r])
    return "".join(out)


# ---------------------------------------------------------------- errors

class ApiError(Exception):
    """An error that becomes a Status response (or a watch ERROR event)."""

    def __init__(self, code, reason, message, details=None, headers=None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.headers = headers or {}

    def status(self):
        st = {"kind": "Status", "apiVersion": "v1", "metadata": {},
              "status": "Failure", "message": self.message,
              "reason": self.reason}
        if self.details is not None:
            st["details"] = self.details
        st["code"] = self.code
        return st


def _details(resource, name):
    d = {}
    if name:
        d["name"] = name
    g = RESOURCES[resource]["group"] if resource in RESOURCES else ""
    if g:
        d["group"] = g
    d["kind"] = resource
    return d


def not_found(resource, name):
    return ApiError(404, "NotFound",
                    f'{group_resource(resource)} "{name}" not found',
                    _details(resource, name))


def already_exists(resource, name):
    return ApiError(409, "AlreadyExists",
                    f'{group_resource(resource)} "{name}" already exists',
                    _details(resource, name))


def conflict(resource, name, why=None):
    why = why or ("the object has been modified; please apply your changes "
                  "to the latest version and try again")
    return ApiError(409, "Conflict",
                    f'Operation cannot be fulfilled on '
                    f'{group_resource(resource)} "{name}": {why}',
                    _details(resource, name))


def bad_request(message):
    return ApiError(400, "BadRequest", message)


def method_not_allowed(message="the server does not allow this method on "
                       "the requested resource"):
    return ApiError(405, "MethodNotAllowed", message, {})


def path_not_found():
    return ApiError(404, "NotFound",
                    "the server could not find the requested resource", {})


def expired(message):
    return ApiError(410, "Expired", message)


def unauthorized():
    return ApiError(401, "Unauthorized", "Unauthorized")


def unsupported_media_type(accepted):
    return ApiError(415, "UnsupportedMediaType",
                    "the body of the request was in an unknown format - "
                    "accepted media types include: " + ", ".join(accepted), {})


# ------------------------------------------------------- field errors (422)

def go_value(v):
    """A value the way field.Error prints it (close to Go's %#v / %q)."""
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, dict):
        return "map[string]string{" + ", ".join(
            f"{json.dumps(k)}:{json.dumps(x)}" for k, x in sorted(v.items())) + "}"
    if isinstance(v, list):
        return "[]string{" + ", ".join(json.dumps(x) for x in v) + "}"
    return str(v)


class FieldErrors:
    """Collects field.ErrorList entries; raise_if() turns them into 422."""

    def __init__(self):
        self.causes = []

    def add(self, reason, field, message):
        self.causes.append({"reason": reason, "message": message,
                            "field": field})

    def invalid(self, field, value, detail):
        self.add("FieldValueInvalid", field,
                 f"Invalid value: {go_value(value)}: {detail}")

    def required(self, field, detail=""):
        self.add("FieldValueRequired", field,
                 "Required value" + (": " + detail if detail else ""))

    def duplicate(self, field, value):
        self.add("FieldValueDuplicate", field,
                 f"Duplicate value: {go_value(value)}")

    def not_supported(self, field, value, supported):
        self.add("FieldValueNotSupported", field,
                 f"Unsupported value: {go_value(value)}: supported values: "
                 + ", ".join(json.dumps(s) for s in supported))

    def not_found(self, field, value):
        self.add("FieldValueNotFound", field, f"Not found: {go_value(value)}")

    def forbidden(self, field, detail):
        self.add("FieldValueForbidden", field, "Forbidden: " + detail)

    def raise_if(self, resource, name):
        if not self.causes:
            return
        parts = [c["field"] + ": " + c["message"] for c in self.causes]
        agg = parts[0] if len(parts) == 1 else "[" + ", ".join(parts) + "]"
        r = RESOURCES[resource]
        details = {"name": name}
        if r["group"]:
            details["group"] = r["group"]
        details["kind"] = r["kind"]
        details["causes"] = self.causes
        raise ApiError(422, "Invalid",
                       f'{group_kind(resource)} "{name}" is invalid: {agg}',
                       details)


# ----------------------------------------------------------- name syntax

DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1123_SUBDOMAIN = re.compile(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")

MSG_SUBDOMAIN = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
    "characters, '-' or '.', and must start and end with an alphanumeric "
    "character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
MSG_LABEL1123 = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric "
    "characters or '-', and must start and end with an alphanumeric "
    "character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
MSG_LABEL1035 = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or "
    "'-', start with an alphabetic character, and end with an alphanumeric "
    "character (e.g. 'my-name',  or 'abc-123', regex used for validation is "
    "'[a-z]([-a-z0-9]*[a-z0-9])?')")
MSG_LABEL_VALUE = (
    "a valid label must be an empty string or consist of alphanumeric "
    "characters, '-', '_' or '.', and must start and end with an alphanumeric "
    "character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
    "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")
MSG_QUALIFIED = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and "
    "must start and end with an alphanumeric character (e.g. 'MyName',  or "
    "'my.name',  or '123-abc', regex used for validation is "
    "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")


def check_subdomain(errs, field, v):
    if len(v) > 253:
        errs.invalid(field, v, "must be no more than 253 characters")
    if not DNS1123_SUBDOMAIN.match(v):
        errs.invalid(field, v, MSG_SUBDOMAIN)


def check_label1123(errs, field, v):
    if len(v) > 63:
        errs.invalid(field, v, "must be no more than 63 characters")
    if not DNS1123_LABEL.match(v):
        errs.invalid(field, v, MSG_LABEL1123)


def check_label1035(errs, field, v):
    if len(v) > 63:
        errs.invalid(field, v, "must be no more than 63 characters")
    if not DNS1035_LABEL.match(v):
        errs.invalid(field, v, MSG_LABEL1035)


def check_qualified_name(errs, field, key):
    """A label/annotation key: [prefix/]name."""
    prefix, _, name = key.rpartition("/")
    if "/" in prefix:
        errs.invalid(field, key, "a qualified name " + MSG_QUALIFIED
                     + " with an optional DNS subdomain prefix and '/' "
                     "(e.g. 'example.com/MyName')")
        return
    if prefix == "" and key.startswith("/"):
        errs.invalid(field, key, "prefix part must be non-empty")
    elif prefix:
        if len(prefix) > 253 or not DNS1123_SUBDOMAIN.match(prefix):
            errs.invalid(field, key, "prefix part " + MSG_SUBDOMAIN)
    if not name:
        errs.invalid(field, key, "name part must be non-empty")
    elif len(name) > 63:
        errs.invalid(field, key, "name part must be no more than 63 characters")
    elif not LABEL_NAME.match(name):
        errs.invalid(field, key, MSG_QUALIFIED)


def check_labels(errs, field, labels):
    if labels is None:
        return
    if not isinstance(labels, dict):
        errs.invalid(field, labels, "must be a map of strings")
        return
    for k, v in labels.items():
        check_qualified_name(errs, field, k)
        if not isinstance(v, str):
            errs.invalid(field, v, "must be a string")
            continue
        if len(v) > 63:
            errs.invalid(field, v, "must be no more than 63 characters")
        if not LABEL_VALUE.match(v):
            errs.invalid(field, v, MSG_LABEL_VALUE)


def check_iana_svc_name(errs, field, v):
    """Container port names (IANA_SVC_NAME)."""
    if len(v) > 15:
        errs.invalid(field, v, "must be no more than 15 characters")
    if not re.match(r"^[-a-z0-9]+$", v):
        errs.invalid(field, v, "must contain only alpha-numeric characters "
                     "(a-z, 0-9), and hyphens (-)")
    if "--" in v:
        errs.invalid(field, v, "must not contain consecutive hyphens")
    if not re.search(r"[a-z]", v):
        errs.invalid(field, v, "must contain at least one letter (a-z)")
    if v.startswith("-") or v.endswith("-"):
        errs.invalid(field, v, "must not begin or end with a hyphen")


# ------------------------------------------------------------- quantities

QUANTITY = re.compile(
    r"^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))"
    r"(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$")
BINARY = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}
DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9,
           "T": 12, "P": 15, "E": 18}
QUANTITY_ERROR = ("quantities must match the regular expression "
                  "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")


def parse_quantity(s):
    """(Decimal value, "binary"|"decimal") or raises ValueError."""
    if isinstance(s, (int, float)) and not isinstance(s, bool):
        return Decimal(str(s)), "decimal"
    if not isinstance(s, str):
        raise ValueError(QUANTITY_ERROR)
    m = QUANTITY.match(s.strip())
    if not m:
        raise ValueError(QUANTITY_ERROR)
    num, suf = Decimal(m.group(1)), m.group(2) or ""
    if suf in BINARY:
        return num * (1024 ** BINARY[suf]), "binary"
    if suf in DECIMAL:
        return num.scaleb(DECIMAL[suf]), "decimal"
    return num.scaleb(int(suf[1:])), "decimal"


def canonical_quantity(s):
    """The string the apiserver returns for a quantity ("1000m" -> "1",
    "1024Mi" -> "1Gi", "0.5" -> "500m")."""
    v, fmt = parse_quantity(s)
    sign = "-" if v < 0 else ""
    v = abs(v)
    if fmt == "binary" and v == v.to_integral_value() and v >= 1024:
        n = int(v)
        exp = 0
        while exp < 6 and n % 1024 == 0:
            n //= 1024
            exp += 1
        suffix = [k for k, e in BINARY.items() if e == exp]
        return sign + str(n) + (suffix[0] if suffix else "")
    if fmt == "binary" and v == v.to_integral_value():
        return sign + str(int(v))
    # DecimalSI: the largest exponent (multiple of 3) that keeps an integer
    # mantissa; below nano the value rounds up.
    v = (v.scaleb(9)).to_integral_value(rounding=ROUND_CEILING).scaleb(-9)
    if v == 0:
        return "0"
    for exp in (18, 15, 12, 9, 6, 3, 0, -3, -6, -9):
        m = v.scaleb(-exp)
        if m == m.to_integral_value():
            suffix = [k for k, e in DECIMAL.items() if e == exp][0]
            return sign + str(int(m)) + suffix
    return sign + str(v)
