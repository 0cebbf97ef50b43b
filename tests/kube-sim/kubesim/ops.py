"""ops.py - the write operations of the API (create, replace, patch,
delete with propagation and graceful pod deletion, the scale
subresource), shared by the HTTP layer and the controllers so that both
go through the same defaulting, validation and deletion rules.  No HTTP
here: errors are meta.ApiError."""
import copy
import json

from . import objects, schema
from .meta import (ApiError, RESOURCES, already_exists, bad_request, conflict,
                   not_found, unsupported_media_type)
from .patch import json_patch, merge_patch, strategic_merge
from .selectors import selector_string

PATCH_TYPES = ("application/json-patch+json", "application/merge-patch+json",
               "application/strategic-merge-patch+json")
RETRIES = 10


class Request:
    """What a write needs of its HTTP request: fieldValidation, dryRun,
    the body's duplicate keys; it collects Warning texts.  Writes by the
    controllers pass None (no decoding checks)."""

    def __init__(self, validation="Warn", dry_run=False, duplicates=()):
        self.validation, self.dry_run = validation, dry_run
        self.duplicates = list(duplicates)
        self.warnings = []


def _problems(unknown, req):
    return [f'unknown field "{p}"' for p in unknown] + \
        [f'duplicate field "{d}"' for d in req.duplicates]


def decode(resource, obj, req, kind=None):
    """The apiserver's decoder: wrong JSON types are 400, unknown fields
    are dropped and reported as fieldValidation says."""
    kind = kind or RESOURCES[resource]["kind"]
    if req is None or not isinstance(obj, dict):
        return obj
    prefix = f'{kind} in version "v1" cannot be handled as a {kind}: '
    try:
        out, unknown = schema.check(kind, obj)
    except schema.DecodeError as e:
        raise bad_request(prefix + str(e)) from None
    problems = _problems(unknown, req)
    if problems and req.validation == "Strict":
        raise bad_request(prefix + "strict decoding error: "
                          + ", ".join(problems))
    if problems and req.validation == "Warn":
        req.warnings.extend(p for p in problems if p not in req.warnings)
    return out


def _go_map(v):
    if isinstance(v, dict):
        return "map[" + " ".join(f"{k}:{_go_map(x)}"
                                 for k, x in sorted(v.items())) + "]"
    if isinstance(v, list):
        return "[" + " ".join(_go_map(x) for x in v) + "]"
    return "<nil>" if v is None else str(v).lower() \
        if isinstance(v, bool) else str(v)


def decode_patched(resource, obj, patch, req, kind=None):
    """decode() for a patch result: errors are 422 on the field "patch"."""
    if req is None:
        return obj
    try:
        out, unknown = schema.check(kind or RESOURCES[resource]["kind"], obj)
        why = None
        problems = _problems(unknown, req)
        if problems and req.validation == "Strict":
            why = "strict decoding error: " + ", ".join(problems)
    except schema.DecodeError as e:
        why = str(e)
    if why is not None:
        msg = f'Invalid value: "{_go_map(patch)}": {why}'
        raise ApiError(422, "Invalid", f' "" is invalid: patch: {msg}',
                       {"causes": [{"reason": "FieldValueInvalid",
                                    "message": msg, "field": "patch"}]})
    if problems and req.validation == "Warn":
        req.warnings.extend(p for p in problems if p not in req.warnings)
    return out


def create(sim, resource, ns, body, req=None):
    body = decode(resource, body, req)
    obj = objects.prepare_create(resource, body, ns, sim.alloc)
    if req and req.dry_run:
        if sim.store.get(resource, ns, obj["metadata"]["name"]):
            raise already_exists(resource, obj["metadata"]["name"])
        return obj
    return sim.store.commit_create(resource, obj)


def _update_loop(sim, resource, ns, name, compute, user_rv, req,
                 subresource=None):
    """GuaranteedUpdate: re-reads and retries on conflicts with concurrent
    writers unless the client pinned a resourceVersion."""
    for _ in range(RETRIES):
        cur = sim.store.get_or_404(resource, ns, name)
        if user_rv and user_rv != cur["metadata"]["resourceVersion"]:
            raise conflict(resource, name)
        new = objects.prepare_update(resource, cur, compute(cur), sim.alloc,
                                     name, subresource)
        if req and req.dry_run:
            return new
        try:
            return sim.store.commit_update(
                resource, new, cur["metadata"]["resourceVersion"])
        except ApiError as e:
            if e.reason != "Conflict" or user_rv:
                raise
    raise conflict(resource, name)


def replace(sim, resource, ns, name, body, req=None):
    objects.check_type(resource, body)
    body = decode(resource, body, req)
    user_rv = (body.get("metadata") or {}).get("resourceVersion")
    return _update_loop(sim, resource, ns, name, lambda cur: body, user_rv,
                        req)


def parse_patch(ctype, raw):
    if ctype not in PATCH_TYPES:
        raise unsupported_media_type(PATCH_TYPES)
    try:
        p = json.loads(raw or b"null")
    except ValueError as e:
        raise bad_request(f"error decoding patch: {e}") from None
    if ctype != "application/json-patch+json" and not isinstance(p, dict):
        raise bad_request("couldn't get version/kind; json parse error: "
                          "json: cannot unmarshal into Go value of type "
                          "struct")
    return p


def apply_patch(ctype, doc, p):
    if ctype == "application/json-patch+json":
        return json_patch(doc, p)
    if ctype == "application/merge-patch+json":
        return merge_patch(doc, p)
    return strategic_merge(doc, p)


def patch(sim, resource, ns, name, ctype, raw, req=None):
    p = parse_patch(ctype, raw)

    def compute(cur):
        out = apply_patch(ctype, cur, p)
        if not isinstance(out, dict):
            raise bad_request("patch result is not an object")
        out = decode_patched(resource, out, p, req)
        # A patch that sets metadata.resourceVersion pins it.
        md = out.get("metadata") or {}
        if md.get("resourceVersion") != cur["metadata"]["resourceVersion"]:
            raise conflict(resource, name)
        return out

    return _update_loop(sim, resource, ns, name, compute, None, req)


# ------------------------------------------------------------------ delete

def _precondition(opts, cur):
    pre = opts.get("preconditions") or {}
    md = cur["metadata"]
    if pre.get("uid") and pre["uid"] != md["uid"]:
        raise ApiError(409, "Conflict", f"Precondition failed: UID in "
                       f"precondition: {pre['uid']}, UID in object meta: "
                       f"{md['uid']}", {})
    if pre.get("resourceVersion") and \
            pre["resourceVersion"] != md["resourceVersion"]:
        raise ApiError(409, "Conflict", f"Precondition failed: "
                       f"ResourceVersion in precondition: "
                       f"{pre['resourceVersion']}, ResourceVersion in object "
                       f"meta: {md['resourceVersion']}", {})


def dependents(sim, uid):
    """(resource, object, ownerReference) of everything owned by uid."""
    out = []
    for r in RESOURCES:
        for o in sim.store.items(r):
            for ref in o["metadata"].get("ownerReferences") or []:
                if ref.get("uid") == uid:
                    out.append((r, o, ref))
    return out


def _orphan(sim, uid):
    for r, o, _ in dependents(sim, uid):
        def drop(obj):
            obj["metadata"]["ownerReferences"] = [
                x for x in obj["metadata"]["ownerReferences"]
                if x.get("uid") != uid]
            if not obj["metadata"]["ownerReferences"]:
                del obj["metadata"]["ownerReferences"]
            return obj
        sim.store.mutate(r, o["metadata"]["namespace"], o["metadata"]["name"],
                         drop)


def success_status(resource, obj):
    d = {"name": obj["metadata"]["name"]}
    if RESOURCES[resource]["group"]:
        d["group"] = RESOURCES[resource]["group"]
    d["kind"] = resource
    d["uid"] = obj["metadata"]["uid"]
    return {"kind": "Status", "apiVersion": "v1", "metadata": {},
            "status": "Success", "details": d}


def delete(sim, resource, ns, name, opts, dry_run=False):
    """-> (code, body): the object when it lingers (graceful deletion,
    finalizers) or, once removed, the object for core types and a Success
    Status for apps types (the registry's ReturnDeletedObject)."""
    cur = sim.store.get_or_404(resource, ns, name)
    _precondition(opts, cur)
    policy = opts.get("propagationPolicy")
    if policy is None:
        policy = "Orphan" if opts.get("orphanDependents") else "Background"
    if policy not in ("Foreground", "Background", "Orphan"):
        raise ApiError(422, "Invalid", f'DeleteOptions.meta.k8s.io "" is '
                       f'invalid: propagationPolicy: Unsupported value: '
                       f'"{policy}": supported values: "Foreground", '
                       f'"Background", "Orphan"', {"kind": "DeleteOptions"})
    md = cur["metadata"]
    grace = opts.get("gracePeriodSeconds")
    if resource == "pods" and grace is None:
        grace = cur["spec"].get("terminationGracePeriodSeconds", 30)
    graceful = resource == "pods" and grace and cur["spec"].get("nodeName")
    lingers = graceful or policy == "Foreground" or md.get("finalizers")
    if dry_run:
        if lingers:
            return 200, objects.mark_deleting(cur, grace or 0)
        return 200, success_status(resource, cur) \
            if RESOURCES[resource]["group"] else cur
    if md.get("deletionTimestamp"):
        return 200, cur
    if policy == "Orphan":
        _orphan(sim, md["uid"])
    if lingers:
        def mark(obj):
            if policy == "Foreground":
                fin = obj["metadata"].setdefault("finalizers", [])
                if "foregroundDeletion" not in fin:
                    fin.append("foregroundDeletion")
            return objects.mark_deleting(obj, (grace or 0) if graceful else 0)
        out = sim.store.mutate(resource, ns, name, mark, md["uid"])
        if out is None:
            raise not_found(resource, name)
        return 200, out
    last = sim.store.commit_delete(resource, ns, name, md["uid"])
    if last is None:
        raise not_found(resource, name)
    if RESOURCES[resource]["group"]:
        return 200, success_status(resource, last)
    return 200, last


# ------------------------------------------------------------------- scale

def scale_of(d):
    md = d["metadata"]
    return {"kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": {"name": md["name"], "namespace": md["namespace"],
                         "uid": md["uid"],
                         "resourceVersion": md["resourceVersion"],
                         "creationTimestamp": md["creationTimestamp"]},
            "spec": {"replicas": d["spec"].get("replicas", 0)},
            "status": {"replicas": d.get("status", {}).get("replicas", 0),
                       "selector": selector_string(d["spec"].get("selector"))}}


def _check_scale(name, scale):
    if not isinstance(scale, dict) or scale.get("kind") not in (None, "Scale"):
        raise bad_request("the object provided is unrecognized (must be of "
                          "type Scale)")
    r = (scale.get("spec") or {}).get("replicas", 0)
    if not isinstance(r, int) or isinstance(r, bool) or r < 0:
        msg = f"Invalid value: {r}: must be greater than or equal to 0"
        raise ApiError(422, "Invalid", f'Scale.autoscaling "{name}" is '
                       f'invalid: spec.replicas: {msg}',
                       {"name": name, "group": "autoscaling", "kind": "Scale",
                        "causes": [{"reason": "FieldValueInvalid",
                                    "message": msg, "field": "spec.replicas"}]})
    return r


def set_scale(sim, ns, name, scale_fn, req=None):
    """scale_fn(current Scale) -> wanted Scale; the Scale's
    resourceVersion, when it differs from the Deployment's, is a
    conflict."""
    def compute(cur):
        want = scale_fn(scale_of(cur))
        if not isinstance(want, dict):
            raise bad_request("the object provided is unrecognized (must be "
                              "of type Scale)")
        want = decode("deployments", want, req, "Scale")
        rv = (want.get("metadata") or {}).get("resourceVersion")
        if rv and rv != cur["metadata"]["resourceVersion"]:
            raise conflict("deployments", name)
        new = copy.deepcopy(cur)
        new["spec"]["replicas"] = _check_scale(name, want)
        return new

    d = _update_loop(sim, "deployments", ns, name, compute, None, req)
    return scale_of(d)
