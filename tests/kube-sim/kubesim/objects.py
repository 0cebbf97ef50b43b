"""objects.py - what the apiserver does to an object before it is stored:
defaulting (KUBERNETES.md section 2: the fields a real server fills in, so
GET returns what a real server returns), quantity canonicalisation,
validation with the real 422 causes, immutable fields on update, and
generation bumps.  prepare_create/prepare_update are the entry points;
they never touch the store."""
import copy
import datetime
import ipaddress

from .meta import (ApiError, FieldErrors, RESOURCES, api_version, bad_request,
                   check_iana_svc_name, check_label1035, check_label1123,
                   check_labels, check_qualified_name, check_subdomain,
                   canonical_quantity, parse_quantity, new_uid, now,
                   random_suffix, timestamp)
from .selectors import from_label_selector, labels_match


class Allocator:
    """Service ClusterIPs (10.96.0.0/16) and NodePorts (30000-32767)."""

    def __init__(self):
        self.next_ip = 10
        self.next_port = 30000

    def cluster_ip(self):
        n = self.next_ip
        self.next_ip += 1
        return f"10.96.{(n >> 8) & 255}.{n & 255}"

    def node_port(self):
        p = self.next_port
        self.next_port = 30000 + (self.next_port - 30000 + 1) % 2768
        return p


# ------------------------------------------------------------ defaulting

def _image_pull_policy(image):
    if "@" in image:
        return "IfNotPresent"
    last = image.rsplit("/", 1)[-1]
    if ":" not in last or last.endswith(":latest"):
        return "Always"
    return "IfNotPresent"


def _default_probe(p):
    if not isinstance(p, dict):
        return
    p.setdefault("timeoutSeconds", 1)
    p.setdefault("periodSeconds", 10)
    p.setdefault("successThreshold", 1)
    p.setdefault("failureThreshold", 3)
    if isinstance(p.get("httpGet"), dict):
        p["httpGet"].setdefault("path", "/")
        p["httpGet"].setdefault("scheme", "HTTP")


def _canon_resources(res, path):
    for part in ("requests", "limits"):
        q = res.get(part)
        if not isinstance(q, dict):
            continue
        for k, v in list(q.items()):
            try:
                q[k] = canonical_quantity(v)
            except ValueError as e:
                raise bad_request(f"{path}.{part}.{k}: {e}") from None


def _default_container(c, is_pod):
    if not isinstance(c, dict):
        return
    c.setdefault("terminationMessagePath", "/dev/termination-log")
    c.setdefault("terminationMessagePolicy", "File")
    if isinstance(c.get("image"), str) and c["image"]:
        c.setdefault("imagePullPolicy", _image_pull_policy(c["image"]))
    for p in c.get("ports") or []:
        if isinstance(p, dict):
            p.setdefault("protocol", "TCP")
    res = c.setdefault("resources", {})
    if isinstance(res, dict):
        _canon_resources(res, "resources")
        if is_pod and isinstance(res.get("limits"), dict):
            req = res.setdefault("requests", {})
            for k, v in res["limits"].items():
                req.setdefault(k, v)
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        _default_probe(c.get(probe))


def _default_pod_spec(spec, is_pod):
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")
    for key in ("containers", "initContainers"):
        for c in spec.get(key) or []:
            _default_container(c, is_pod)
    for v in spec.get("volumes") or []:
        if not isinstance(v, dict):
            continue
        for src in ("configMap", "secret", "downwardAPI", "projected"):
            if isinstance(v.get(src), dict):
                v[src].setdefault("defaultMode", 420)
        if isinstance(v.get("hostPath"), dict):
            v["hostPath"].setdefault("type", "")
    if is_pod:
        spec.setdefault("serviceAccountName", "default")
        spec["serviceAccount"] = spec["serviceAccountName"]
        spec.setdefault("enableServiceLinks", True)
        spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
        spec.setdefault("priority", 0)
        tol = spec.setdefault("tolerations", [])
        for key in ("node.kubernetes.io/not-ready",
                    "node.kubernetes.io/unreachable"):
            if not any(isinstance(t, dict) and t.get("key") == key for t in tol):
                tol.append({"key": key, "operator": "Exists",
                            "effect": "NoExecute", "tolerationSeconds": 300})
        if spec.get("automountServiceAccountToken") is not False:
            _inject_token_volume(spec)


def _inject_token_volume(spec):
    """What the ServiceAccount admission plugin adds to every pod."""
    vols = spec.setdefault("volumes", [])
    if any(isinstance(v, dict) and str(v.get("name", "")).startswith(
            "kube-api-access-") for v in vols):
        return
    name = "kube-api-access-" + random_suffix(5)
    vols.append({"name": name, "projected": {"defaultMode": 420, "sources": [
        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
        {"configMap": {"name": "kube-root-ca.crt",
                       "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {
            "apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}]}})
    for c in spec.get("containers") or []:
        if isinstance(c, dict):
            c.setdefault("volumeMounts", []).append({
                "name": name, "readOnly": True,
                "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"})


def qos_class(spec):
    reqs, lims, guaranteed = False, False, True
    for c in spec.get("containers") or []:
        res = c.get("resources") or {}
        r, lim = res.get("requests") or {}, res.get("limits") or {}
        reqs, lims = reqs or bool(r), lims or bool(lim)
        for k in ("cpu", "memory"):
            if k not in lim or r.get(k, lim[k]) != lim[k]:
                guaranteed = False
    if not reqs and not lims:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


def _default_deployment(obj):
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)
    st = spec.setdefault("strategy", {})
    if isinstance(st, dict):
        st.setdefault("type", "RollingUpdate")
        if st["type"] == "RollingUpdate":
            ru = st.setdefault("rollingUpdate", {})
            ru.setdefault("maxUnavailable", "25%")
            ru.setdefault("maxSurge", "25%")
    tpl = spec.setdefault("template", {})
    if isinstance(tpl, dict):
        tpl.setdefault("metadata", {}).setdefault("creationTimestamp", None)
        if isinstance(tpl.setdefault("spec", {}), dict):
            _default_pod_spec(tpl["spec"], False)


def _default_service(obj, alloc, old):
    spec = obj.setdefault("spec", {})
    ospec = (old or {}).get("spec") or {}
    spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    for n, p in enumerate(spec.get("ports") or []):
        if not isinstance(p, dict):
            continue
        p.setdefault("protocol", "TCP")
        if "port" in p:
            p.setdefault("targetPort", p["port"])
        if spec["type"] in ("NodePort", "LoadBalancer") and not p.get("nodePort"):
            oports = ospec.get("ports") or []
            same = [q.get("nodePort") for q in oports
                    if q.get("port") == p.get("port") and q.get("nodePort")]
            p["nodePort"] = same[0] if same else alloc.node_port()
    if spec["type"] == "ExternalName":
        return
    if not spec.get("clusterIP"):
        spec["clusterIP"] = ospec.get("clusterIP") or alloc.cluster_ip()
    if not spec.get("clusterIPs"):
        spec["clusterIPs"] = ospec.get("clusterIPs") or [spec["clusterIP"]]
    spec.setdefault("ipFamilies", ["IPv4"])
    spec.setdefault("ipFamilyPolicy", "SingleStack")
    spec.setdefault("internalTrafficPolicy", "Cluster")
    if spec["type"] in ("NodePort", "LoadBalancer"):
        spec.setdefault("externalTrafficPolicy", "Cluster")
    if spec["type"] == "LoadBalancer":
        spec.setdefault("allocateLoadBalancerNodePorts", True)


def _default_pvc(obj):
    spec = obj.setdefault("spec", {})
    spec.setdefault("volumeMode", "Filesystem")
    if "storageClassName" not in spec:
        spec["storageClassName"] = "standard"
    res = spec.get("resources")
    if isinstance(res, dict):
        _canon_resources(res, "spec.resources")


def apply_defaults(resource, obj, alloc, old=None):
    if resource == "deployments":
        _default_deployment(obj)
    elif resource == "services":
        _default_service(obj, alloc, old)
    elif resource == "persistentvolumeclaims":
        _default_pvc(obj)
    elif resource == "pods":
        _default_pod_spec(obj.setdefault("spec", {}), True)


# ------------------------------------------------------------ validation

PROTOCOLS = ["SCTP", "TCP", "UDP"]


def _validate_meta(resource, obj, errs):
    md = obj.get("metadata") or {}
    name = md.get("name")
    if not name:
        errs.required("metadata.name", "name or generateName is required")
    elif resource == "services":
        check_label1035(errs, "metadata.name", name)
    else:
        check_subdomain(errs, "metadata.name", name)
    ns = md.get("namespace")
    if ns:
        check_label1123(errs, "metadata.namespace", ns)
    check_labels(errs, "metadata.labels", md.get("labels"))
    ann = md.get("annotations") or {}
    if not isinstance(ann, dict) or not all(isinstance(v, str)
                                            for v in ann.values()):
        errs.invalid("metadata.annotations", ann, "must be a map of strings")
    else:
        for k in ann:
            check_qualified_name(errs, "metadata.annotations", k)
        if sum(len(k) + len(v) for k, v in ann.items()) > 262144:
            errs.add("FieldValueTooLong", "metadata.annotations",
                     "Too long: must have at most 262144 bytes")


def _validate_port_number(errs, field, v):
    if not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= 65535:
        errs.invalid(field, v, "must be between 1 and 65535, inclusive")


def _validate_int_or_name(errs, field, v):
    if isinstance(v, str):
        check_iana_svc_name(errs, field, v)
    else:
        _validate_port_number(errs, field, v)


def _validate_probe(errs, path, p):
    if p is None:
        return
    if not isinstance(p, dict):
        errs.invalid(path, p, "must be an object")
        return
    handlers = [h for h in ("exec", "httpGet", "tcpSocket", "grpc") if h in p]
    if len(handlers) > 1:
        errs.forbidden(path + "." + handlers[1],
                       "may not specify more than 1 handler type")
    elif not handlers:
        errs.required(path, "must specify a handler type")
    for h in ("httpGet", "tcpSocket"):
        if isinstance(p.get(h), dict):
            if "port" not in p[h]:
                errs.required(f"{path}.{h}.port")
            else:
                _validate_int_or_name(errs, f"{path}.{h}.port", p[h]["port"])
    for k in ("periodSeconds", "timeoutSeconds", "successThreshold",
              "failureThreshold"):
        v = p.get(k)
        if v is not None and (not isinstance(v, int) or v < 1):
            errs.invalid(f"{path}.{k}", v, "must be greater than or equal to 1")


def _validate_resources(errs, path, res):
    if not isinstance(res, dict):
        return
    req, lim = res.get("requests") or {}, res.get("limits") or {}
    for part, q in (("requests", req), ("limits", lim)):
        for k, v in q.items():
            if parse_quantity(v)[0] < 0:
                errs.invalid(f"{path}.{part}[{k}]", v,
                             "must be greater than or equal to 0")
    for k, v in req.items():
        if k in lim and parse_quantity(v)[0] > parse_quantity(lim[k])[0]:
            errs.invalid(f"{path}.requests", v, f"must be less than or "
                         f"equal to {k} limit of {lim[k]}")


def _validate_container(errs, path, c, volumes, names):
    if not isinstance(c, dict):
        errs.invalid(path, c, "must be an object")
        return
    name = c.get("name")
    if not name:
        errs.required(path + ".name")
    else:
        check_label1123(errs, path + ".name", name)
        if name in names:
            errs.duplicate(path + ".name", name)
        names.add(name)
    if not c.get("image"):
        errs.required(path + ".image")
    pnames = set()
    for n, p in enumerate(c.get("ports") or []):
        pp = f"{path}.ports[{n}]"
        if not isinstance(p, dict):
            errs.invalid(pp, p, "must be an object")
            continue
        if "containerPort" not in p:
            errs.required(pp + ".containerPort")
        else:
            _validate_port_number(errs, pp + ".containerPort", p["containerPort"])
        if "hostPort" in p and p["hostPort"] not in (0, None):
            _validate_port_number(errs, pp + ".hostPort", p["hostPort"])
        if p.get("name"):
            check_iana_svc_name(errs, pp + ".name", p["name"])
            if p["name"] in pnames:
                errs.duplicate(pp + ".name", p["name"])
            pnames.add(p["name"])
        if p.get("protocol") not in PROTOCOLS:
            errs.not_supported(pp + ".protocol", p.get("protocol"), PROTOCOLS)
    for n, e in enumerate(c.get("env") or []):
        if not isinstance(e, dict) or not e.get("name"):
            errs.required(f"{path}.env[{n}].name")
    for n, m in enumerate(c.get("volumeMounts") or []):
        mp = f"{path}.volumeMounts[{n}]"
        if not isinstance(m, dict):
            continue
        if not m.get("name"):
            errs.required(mp + ".name")
        elif m["name"] not in volumes:
            errs.not_found(mp + ".name", m["name"])
        if not m.get("mountPath"):
            errs.required(mp + ".mountPath")
    _validate_resources(errs, path + ".resources", c.get("resources"))
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        _validate_probe(errs, f"{path}.{probe}", c.get(probe))
    pol = c.get("imagePullPolicy")
    if pol is not None and pol not in ("Always", "IfNotPresent", "Never"):
        errs.not_supported(path + ".imagePullPolicy", pol,
                           ["Always", "IfNotPresent", "Never"])


def _validate_pod_spec(errs, path, spec, restart_policies):
    if not isinstance(spec, dict):
        errs.required(path)
        return
    volumes = set()
    for n, v in enumerate(spec.get("volumes") or []):
        vp = f"{path}.volumes[{n}]"
        if not isinstance(v, dict) or not v.get("name"):
            errs.required(vp + ".name")
            continue
        check_label1123(errs, vp + ".name", v["name"])
        if v["name"] in volumes:
            errs.duplicate(vp + ".name", v["name"])
        volumes.add(v["name"])
        pvc = v.get("persistentVolumeClaim")
        if isinstance(pvc, dict) and not pvc.get("claimName"):
            errs.required(vp + ".persistentVolumeClaim.claimName")
    containers = spec.get("containers")
    if not containers:
        errs.required(path + ".containers")
    names = set()
    for n, c in enumerate(containers or []):
        _validate_container(errs, f"{path}.containers[{n}]", c, volumes, names)
    for n, c in enumerate(spec.get("initContainers") or []):
        _validate_container(errs, f"{path}.initContainers[{n}]", c, volumes,
                            names)
    rp = spec.get("restartPolicy")
    if rp not in restart_policies:
        errs.not_supported(path + ".restartPolicy", rp, restart_policies)
    dp = spec.get("dnsPolicy")
    dns = ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"]
    if dp not in dns:
        errs.not_supported(path + ".dnsPolicy", dp, dns)
    g = spec.get("terminationGracePeriodSeconds")
    if g is not None and (not isinstance(g, int) or g < 0):
        errs.invalid(path + ".terminationGracePeriodSeconds", g,
                     "must be greater than or equal to 0")


def _int_or_percent(v, total, round_up):
    if isinstance(v, str) and v.endswith("%"):
        n = int(v[:-1]) * total
        return -(-n // 100) if round_up else n // 100
    return int(v)


def _validate_deployment(errs, obj, old):
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        errs.required("spec")
        return
    r = spec.get("replicas")
    if not isinstance(r, int) or r < 0:
        errs.invalid("spec.replicas", r, "must be greater than or equal to 0")
    sel = spec.get("selector")
    tpl = spec.get("template") or {}
    tlabels = (tpl.get("metadata") or {}).get("labels") or {}
    if sel is None:
        errs.required("spec.selector")
    elif not (sel.get("matchLabels") or sel.get("matchExpressions")):
        errs.invalid("spec.selector", sel, "empty selector is invalid for "
                     "deployment")
    else:
        check_labels(errs, "spec.selector.matchLabels", sel.get("matchLabels"))
        if not labels_match(from_label_selector(sel), tlabels):
            errs.invalid("spec.template.metadata.labels", tlabels,
                         "`selector` does not match template `labels`")
    check_labels(errs, "spec.template.metadata.labels", tlabels)
    _validate_pod_spec(errs, "spec.template.spec", tpl.get("spec"), ["Always"])
    st = spec.get("strategy") or {}
    if st.get("type") not in ("Recreate", "RollingUpdate"):
        errs.not_supported("spec.strategy.type", st.get("type"),
                           ["Recreate", "RollingUpdate"])
    elif st["type"] == "Recreate" and st.get("rollingUpdate") is not None:
        errs.forbidden("spec.strategy.rollingUpdate", "may not be specified "
                       "when strategy `type` is 'Recreate'")
    elif st["type"] == "RollingUpdate":
        ru = st.get("rollingUpdate") or {}
        try:
            surge = _int_or_percent(ru.get("maxSurge", 0), 100, True)
            unav = _int_or_percent(ru.get("maxUnavailable", 0), 100, False)
        except (TypeError, ValueError):
            errs.invalid("spec.strategy.rollingUpdate", ru,
                         "must be an integer or percentage (e.g '5%')")
        else:
            if surge == 0 and unav == 0:
                errs.invalid("spec.strategy.rollingUpdate.maxUnavailable",
                             ru.get("maxUnavailable"),
                             "may not be 0 when `maxSurge` is 0")
    for k in ("revisionHistoryLimit", "minReadySeconds"):
        v = spec.get(k)
        if v is not None and (not isinstance(v, int) or v < 0):
            errs.invalid("spec." + k, v, "must be greater than or equal to 0")
    pds = spec.get("progressDeadlineSeconds")
    if pds is not None and pds <= spec.get("minReadySeconds", 0):
        errs.invalid("spec.progressDeadlineSeconds", pds, "must be greater "
                     "than minReadySeconds")
    if old is not None and sel != (old.get("spec") or {}).get("selector"):
        errs.invalid("spec.selector", sel, "field is immutable")


def _validate_service(errs, obj, old):
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        errs.required("spec")
        return
    types = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
    t = spec.get("type")
    if t not in types:
        errs.not_supported("spec.type", t, types)
    ports = spec.get("ports") or []
    headless = spec.get("clusterIP") == "None"
    if not ports and t != "ExternalName" and not headless:
        errs.required("spec.ports")
    names, seen = set(), set()
    for n, p in enumerate(ports):
        pp = f"spec.ports[{n}]"
        if not isinstance(p, dict):
            errs.invalid(pp, p, "must be an object")
            continue
        if len(ports) > 1 and not p.get("name"):
            errs.required(pp + ".name")
        if p.get("name"):
            check_label1123(errs, pp + ".name", p["name"])
            if p["name"] in names:
                errs.duplicate(pp + ".name", p["name"])
            names.add(p["name"])
        _validate_port_number(errs, pp + ".port", p.get("port"))
        if p.get("protocol") not in PROTOCOLS:
            errs.not_supported(pp + ".protocol", p.get("protocol"), PROTOCOLS)
        if "targetPort" in p:
            _validate_int_or_name(errs, pp + ".targetPort", p["targetPort"])
        key = (p.get("port"), p.get("protocol"))
        if key in seen:
            errs.duplicate(pp, f"{key[0]}/{key[1]}")
        seen.add(key)
    check_labels(errs, "spec.selector", spec.get("selector"))
    sa = spec.get("sessionAffinity")
    if sa not in ("ClientIP", "None"):
        errs.not_supported("spec.sessionAffinity", sa, ["ClientIP", "None"])
    cip = spec.get("clusterIP")
    if cip not in (None, "", "None"):
        try:
            ipaddress.ip_address(cip)
        except ValueError:
            errs.invalid("spec.clusterIPs[0]", cip, "must be a valid IP address")
    if old is not None:
        ocip = (old.get("spec") or {}).get("clusterIPs")
        if ocip and spec.get("clusterIPs") != ocip:
            errs.invalid("spec.clusterIPs[0]", spec.get("clusterIPs"),
                         "may not change once set")


ACCESS_MODES = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce",
                "ReadWriteOncePod"]


def _validate_pvc(errs, obj, old):
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        errs.required("spec")
        return
    modes = spec.get("accessModes")
    if not modes:
        errs.required("spec.accessModes", "at least 1 access mode is required")
    for m in modes or []:
        if m not in ACCESS_MODES:
            errs.not_supported("spec.accessModes", m, ACCESS_MODES)
    storage = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
    if storage is None:
        errs.required("spec.resources[storage]")
    elif parse_quantity(storage)[0] <= 0:
        errs.invalid("spec.resources[storage]", storage,
                     "must be greater than zero")
    vm = spec.get("volumeMode")
    if vm not in ("Block", "Filesystem"):
        errs.not_supported("spec.volumeMode", vm, ["Block", "Filesystem"])
    if old is not None:
        ospec = copy.deepcopy(old.get("spec") or {})
        nspec = copy.deepcopy(spec)
        ostorage = ((ospec.get("resources") or {}).get("requests") or {}).get("storage")
        if storage is not None and ostorage is not None and \
                parse_quantity(storage)[0] < parse_quantity(ostorage)[0]:
            errs.forbidden("spec.resources.requests.storage",
                           "field can not be less than status.capacity")
        for s in (ospec, nspec):
            (s.get("resources") or {}).pop("requests", None)
            s.pop("volumeName", None)
            s.pop("volumeAttributesClassName", None)
        if ospec != nspec:
            errs.forbidden("spec", "spec is immutable after creation except "
                           "resources.requests and volumeAttributesClassName "
                           "for bound claims")


def _validate_pod(errs, obj, old):
    _validate_pod_spec(errs, "spec", obj.get("spec"),
                       ["Always", "Never", "OnFailure"])
    if old is None:
        return
    ospec = copy.deepcopy(old.get("spec") or {})
    nspec = copy.deepcopy(obj.get("spec") or {})
    for s in (ospec, nspec):
        for key in ("containers", "initContainers"):
            for c in s.get(key) or []:
                c.pop("image", None)
        s.pop("activeDeadlineSeconds", None)
        s.pop("tolerations", None)
        if not old.get("spec", {}).get("nodeName"):
            s.pop("nodeName", None)
    if ospec != nspec:
        errs.forbidden("spec", "pod updates may not change fields other than "
                       "`spec.containers[*].image`,`spec.initContainers[*].image`,"
                       "`spec.activeDeadlineSeconds`,`spec.tolerations` (only "
                       "additions to existing tolerations),"
                       "`spec.terminationGracePeriodSeconds` (allow it to be "
                       "set to 1 if it was previously negative)")


VALIDATORS = {"deployments": _validate_deployment,
              "services": _validate_service,
              "persistentvolumeclaims": _validate_pvc,
              "pods": _validate_pod}


def validate(resource, obj, old=None):
    errs = FieldErrors()
    _validate_meta(resource, obj, errs)
    if not errs.causes or all(c["field"] != "metadata.name" or
                              c["reason"] != "FieldValueRequired"
                              for c in errs.causes):
        try:
            VALIDATORS[resource](errs, obj, old)
        except (TypeError, AttributeError, ValueError) as e:
            raise bad_request(f"{RESOURCES[resource]['kind']} in version "
                              f"\"{RESOURCES[resource]['version']}\" cannot "
                              f"be handled as a {RESOURCES[resource]['kind']}: "
                              f"{e}") from None
    errs.raise_if(resource, (obj.get("metadata") or {}).get("name", ""))


# ----------------------------------------------------------- entry points

def check_type(resource, obj):
    """400 for a body that is not this resource's kind."""
    if not isinstance(obj, dict):
        raise bad_request("the object provided is unrecognized (must be of "
                          "type " + RESOURCES[resource]["kind"] + ")")
    kind = RESOURCES[resource]["kind"]
    av = api_version(resource)
    if obj.get("apiVersion") not in (None, av):
        raise bad_request(f"the API version in the data ({obj['apiVersion']}) "
                          f"does not match the expected API version ({av})")
    if obj.get("kind") not in (None, kind):
        raise bad_request(f"the kind in the data ({obj['kind']}) does not "
                          f"match the expected kind ({kind})")
    if not isinstance(obj.get("metadata", {}), dict):
        raise bad_request("metadata must be an object")


def initial_status(resource, obj):
    if resource == "pods":
        return {"phase": "Pending", "qosClass": qos_class(obj["spec"])}
    if resource == "persistentvolumeclaims":
        return {"phase": "Pending"}
    if resource == "services":
        return {"loadBalancer": {}}
    return {}


def prepare_create(resource, obj, namespace, alloc):
    """A create body -> the object to store (without resourceVersion)."""
    check_type(resource, obj)
    obj = copy.deepcopy(obj)
    obj["apiVersion"] = api_version(resource)
    obj["kind"] = RESOURCES[resource]["kind"]
    md = obj.setdefault("metadata", {})
    if md.get("namespace") not in (None, "", namespace):
        raise bad_request("the namespace of the provided object does not "
                          "match the namespace sent on the request")
    if md.get("resourceVersion"):
        raise bad_request("resourceVersion should not be set on objects to "
                          "be created")
    md["namespace"] = namespace
    if not md.get("name") and md.get("generateName"):
        md["name"] = md["generateName"][:58] + random_suffix(5)
    for k in ("uid", "creationTimestamp", "deletionTimestamp",
              "deletionGracePeriodSeconds", "selfLink", "managedFields"):
        md.pop(k, None)
    md["uid"] = new_uid()
    md["creationTimestamp"] = timestamp()
    if resource == "deployments":
        md["generation"] = 1
    if resource == "persistentvolumeclaims":
        fin = md.setdefault("finalizers", [])
        if "kubernetes.io/pvc-protection" not in fin:
            fin.append("kubernetes.io/pvc-protection")
    apply_defaults(resource, obj, alloc)
    validate(resource, obj)
    obj["status"] = initial_status(resource, obj)
    return obj


SERVER_META = ("uid", "creationTimestamp", "generation", "deletionTimestamp",
               "deletionGracePeriodSeconds")


def prepare_update(resource, old, new, alloc, name, subresource=None):
    """A PUT/PATCH result -> the object to store.  The main resource keeps
    the old status; spec changes bump metadata.generation."""
    check_type(resource, new)
    new = copy.deepcopy(new)
    md = new.setdefault("metadata", {})
    if md.get("name") not in (None, name):
        raise bad_request(f"the name of the object ({md.get('name')}) does "
                          f"not match the name on the URL ({name})")
    if md.get("namespace") not in (None, "", old["metadata"]["namespace"]):
        raise bad_request("the namespace of the provided object does not "
                          "match the namespace sent on the request")
    if md.get("uid") not in (None, "", old["metadata"]["uid"]):
        raise ApiError(409, "Conflict", f"Precondition failed: UID in "
                       f"precondition: {md['uid']}, UID in object meta: "
                       f"{old['metadata']['uid']}", {})
    md["name"] = name
    md["namespace"] = old["metadata"]["namespace"]
    for k in SERVER_META:
        md.pop(k, None)
        if k in old["metadata"]:
            md[k] = old["metadata"][k]
    new["apiVersion"] = api_version(resource)
    new["kind"] = RESOURCES[resource]["kind"]
    if subresource != "status":
        new["status"] = copy.deepcopy(old.get("status", {}))
    apply_defaults(resource, new, alloc, old)
    validate(resource, new, old)
    if "generation" in md and new.get("spec") != old.get("spec"):
        md["generation"] = old["metadata"].get("generation", 1) + 1
    return new


def mark_deleting(obj, grace=0):
    """Sets deletionTimestamp (+ grace) the way graceful deletion does."""
    md = obj["metadata"]
    if "deletionTimestamp" not in md:
        md["deletionTimestamp"] = timestamp(now() + datetime.timedelta(
            seconds=grace))
        md["deletionGracePeriodSeconds"] = grace
        if "generation" in md:
            md["generation"] += 1
    return obj
