"""discovery.py - the documents kubectl reads before it does anything
(/version, /api, /apis, the APIResourceLists with shortNames and
categories) and server-side printing: meta.k8s.io/v1 Table conversion for
`kubectl get` (the columns of the real printers, Age included)."""
import hashlib
import json
import uuid

from .meta import RESOURCES, SUBRESOURCES, GROUP_VERSIONS, now, parse_timestamp


def version_doc(version):
    major, minor = version.split(".")[:2]
    return {"major": major, "minor": minor, "gitVersion": "v" + version,
            "gitCommit": "0000000000000000000000000000000000000000",
            "gitTreeState": "clean", "buildDate": "2025-01-01T00:00:00Z",
            "goVersion": "go1.23.0", "compiler": "gc",
            "platform": "linux/amd64"}


def api_versions(server_address):
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]}


def api_group(group):
    v = GROUP_VERSIONS[group][0]
    gv = {"groupVersion": f"{group}/{v}", "version": v}
    return {"name": group, "versions": [gv], "preferredVersion": gv}


def api_group_list():
    """Only groups that serve resources of their own: an empty autoscaling/v1
    in the list makes kubectl api-resources fail ("received empty
    response"); /apis/autoscaling/v1 itself is still answered."""
    served = {r["group"] for r in RESOURCES.values()}
    return {"kind": "APIGroupList", "apiVersion": "v1",
            "groups": [api_group(g) for g in sorted(GROUP_VERSIONS)
                       if g and g in served]}


def resource_list(group, version):
    gv = f"{group}/{version}" if group else version
    out = []
    for name, r in sorted(RESOURCES.items()):
        if r["group"] == group and r["version"] == version:
            e = {"name": name, "singularName": r["singular"],
                 "namespaced": True, "kind": r["kind"], "verbs": r["verbs"],
                 "shortNames": r["shortNames"]}
            if r["categories"]:
                e["categories"] = r["categories"]
            out.append(e)
        for sub, (sg, sv, kind, verbs) in SUBRESOURCES.get(name, {}).items():
            if r["group"] == group and r["version"] == version:
                e = {"name": f"{name}/{sub}", "singularName": "",
                     "namespaced": True, "kind": kind, "verbs": verbs}
                if sg != group:
                    e["group"], e["version"] = sg, sv
                out.append(e)
    if not group:
        out.append({"name": "namespaces", "singularName": "namespace",
                    "namespaced": False, "kind": "Namespace",
                    "verbs": ["get", "list"], "shortNames": ["ns"]})
    return {"kind": "APIResourceList", "apiVersion": "v1",
            "groupVersion": gv, "resources": out}


def namespace(name, created):
    """Every namespace exists (read-only, Active)."""
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name,
                         "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, name)),
                         "resourceVersion": "1", "creationTimestamp": created,
                         "labels": {"kubernetes.io/metadata.name": name}},
            "spec": {"finalizers": ["kubernetes"]},
            "status": {"phase": "Active"}}


# ---------------------------------------------------------------- openapi

OPENAPI_GVS = {"api/v1": ("", "v1"), "apis/apps/v1": ("apps", "v1")}


def _patch_op(group, version, kind):
    params = [{"name": n, "in": "query", "description": n,
               "schema": {"type": "string", "uniqueItems": True}}
              for n in ("dryRun", "fieldManager", "fieldValidation")]
    params.append({"name": "force", "in": "query", "description": "force",
                   "schema": {"type": "boolean", "uniqueItems": True}})
    return {"operationId": f"patch{kind}", "x-kubernetes-action": "patch",
            "x-kubernetes-group-version-kind": {
                "group": group, "version": version, "kind": kind},
            "parameters": params,
            "requestBody": {"required": True, "content": {
                t: {"schema": {"type": "object"}} for t in (
                    "application/json-patch+json",
                    "application/merge-patch+json",
                    "application/strategic-merge-patch+json")}},
            "responses": {"200": {"description": "OK"}}}


def openapi_doc(path, k8s_version):
    """A minimal OpenAPI v3 document for one group/version: the PATCH
    operations with their fieldValidation parameter, which is what kubectl
    looks for to leave validation to the server (no schemas: kubectl
    explain has nothing to show)."""
    group, version = OPENAPI_GVS[path]
    prefix = "/" + path
    paths = {}
    for name, r in sorted(RESOURCES.items()):
        if r["group"] != group or r["version"] != version:
            continue
        item = f"{prefix}/namespaces/{{namespace}}/{name}/{{name}}"
        paths[item] = {"patch": _patch_op(group, version, r["kind"])}
        for sub, (sg, sv, kind, verbs) in SUBRESOURCES.get(name, {}).items():
            if "patch" in verbs:
                paths[f"{item}/{sub}"] = {"patch": _patch_op(sg, sv, kind)}
    return {"openapi": "3.0.0",
            "info": {"title": "Kubernetes", "version": "v" + k8s_version},
            "paths": paths, "components": {"schemas": {}}}


def openapi_index(k8s_version):
    out = {}
    for path in OPENAPI_GVS:
        doc = json.dumps(openapi_doc(path, k8s_version), sort_keys=True)
        h = hashlib.sha512(doc.encode()).hexdigest()[:128].upper()
        out[path] = {"serverRelativeURL": f"/openapi/v3/{path}?hash={h}"}
    return {"paths": out}


# ----------------------------------------------------------------- tables

def human_duration(d):
    """k8s.io/apimachinery/pkg/util/duration.HumanDuration."""
    s = int(d.total_seconds())
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    m = s // 60
    if m < 10:
        return f"{m}m{s % 60}s" if s % 60 else f"{m}m"
    if m < 180:
        return f"{m}m"
    h = m // 60
    if h < 8:
        return f"{h}h{m % 60}m" if m % 60 else f"{h}h"
    if h < 48:
        return f"{h}h"
    if h < 24 * 8:
        return f"{h // 24}d{h % 24}h" if h % 24 else f"{h // 24}d"
    return f"{h // 24}d"


def _age(obj):
    ts = obj["metadata"].get("creationTimestamp")
    if not ts:
        return "<unknown>"
    return human_duration(now() - parse_timestamp(ts))


def _col(name, typ="string", fmt="", priority=0, desc=""):
    return {"name": name, "type": typ, "format": fmt,
            "description": desc or name, "priority": priority}


def _deploy_row(o):
    sp, st = o.get("spec", {}), o.get("status", {})
    cs = sp.get("template", {}).get("spec", {}).get("containers", [])
    sel = sp.get("selector", {}).get("matchLabels", {})
    return [o["metadata"]["name"],
            f"{st.get('readyReplicas', 0)}/{sp.get('replicas', 0)}",
            st.get("updatedReplicas", 0), st.get("availableReplicas", 0),
            _age(o), ",".join(c.get("name", "") for c in cs),
            ",".join(c.get("image", "") for c in cs),
            ",".join(f"{k}={v}" for k, v in sorted(sel.items()))]


def pod_status_reason(o):
    """The STATUS column of `kubectl get pods` (printPod)."""
    st = o.get("status", {})
    reason = st.get("reason") or st.get("phase", "Unknown")
    for cs in st.get("containerStatuses", []):
        state = cs.get("state", {})
        if state.get("waiting", {}).get("reason"):
            reason = state["waiting"]["reason"]
        elif state.get("terminated", {}).get("reason"):
            reason = state["terminated"]["reason"]
    if o["metadata"].get("deletionTimestamp"):
        reason = "Terminating"
    return reason


def _pod_row(o):
    st = o.get("status", {})
    css = st.get("containerStatuses", [])
    total = len(o.get("spec", {}).get("containers", []))
    ready = sum(1 for c in css if c.get("ready"))
    restarts = sum(c.get("restartCount", 0) for c in css)
    return [o["metadata"]["name"], f"{ready}/{total}", pod_status_reason(o),
            restarts, _age(o), st.get("podIP") or "<none>",
            o.get("spec", {}).get("nodeName") or "<none>", "<none>", "<none>"]


def _svc_row(o):
    sp = o.get("spec", {})
    ports = ",".join(
        f"{p.get('port')}" + (f":{p['nodePort']}" if p.get("nodePort") else "")
        + f"/{p.get('protocol', 'TCP')}" for p in sp.get("ports", []))
    sel = sp.get("selector") or {}
    return [o["metadata"]["name"], sp.get("type", ""),
            sp.get("clusterIP") or "<none>", "<none>", ports or "<none>",
            _age(o), ",".join(f"{k}={v}" for k, v in sorted(sel.items()))
            or "<none>"]


MODES = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX",
         "ReadWriteMany": "RWX", "ReadWriteOncePod": "RWOP"}


def _pvc_row(o):
    sp, st = o.get("spec", {}), o.get("status", {})
    phase = "Terminating" if o["metadata"].get("deletionTimestamp") \
        else st.get("phase", "")
    return [o["metadata"]["name"], phase, sp.get("volumeName", ""),
            (st.get("capacity") or {}).get("storage", ""),
            ",".join(MODES.get(m, m) for m in st.get("accessModes", [])),
            sp.get("storageClassName", ""), "<unset>", _age(o),
            sp.get("volumeMode", "")]


TABLES = {
    "deployments": ([_col("Name", fmt="name"), _col("Ready"),
                     _col("Up-to-date", "integer"), _col("Available", "integer"),
                     _col("Age"), _col("Containers", priority=1),
                     _col("Images", priority=1), _col("Selector", priority=1)],
                    _deploy_row),
    "pods": ([_col("Name", fmt="name"), _col("Ready"), _col("Status"),
              _col("Restarts", "integer"), _col("Age"),
              _col("IP", priority=1), _col("Node", priority=1),
              _col("Nominated Node", priority=1),
              _col("Readiness Gates", priority=1)], _pod_row),
    "services": ([_col("Name", fmt="name"), _col("Type"), _col("Cluster-IP"),
                  _col("External-IP"), _col("Port(s)"), _col("Age"),
                  _col("Selector", priority=1)], _svc_row),
    "persistentvolumeclaims": (
        [_col("Name", fmt="name"), _col("Status"), _col("Volume"),
         _col("Capacity"), _col("Access Modes"), _col("StorageClass"),
         _col("VolumeAttributesClass"), _col("Age"),
         _col("VolumeMode", priority=1)], _pvc_row),
}


def wants_table(accept):
    """True when the Accept header asks for a meta.k8s.io/v1 Table."""
    for part in (accept or "").split(","):
        params = {k.strip(): v.strip() for k, _, v in
                  (p.partition("=") for p in part.split(";")[1:])}
        if params.get("as") == "Table" and params.get("g") == "meta.k8s.io" \
                and params.get("v") == "v1":
            return True
    return False


def to_table(resource, objs, list_meta, include="Metadata"):
    cols, row = TABLES[resource]
    rows = []
    for o in objs:
        r = {"cells": row(o)}
        if include == "Object":
            r["object"] = o
        elif include != "None":
            r["object"] = {"kind": "PartialObjectMetadata",
                           "apiVersion": "meta.k8s.io/v1",
                           "metadata": o["metadata"]}
        rows.append(r)
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1",
            "metadata": list_meta, "columnDefinitions": cols, "rows": rows}

