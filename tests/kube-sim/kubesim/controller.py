"""controller.py - the control loops of kube-controller-manager that our
objects need, in one thread woken by every store write: the Deployment
controller (pods named <deploy>-<hash>-<5>, Recreate and RollingUpdate,
scaling, status and conditions), the garbage collector (Background and
Foreground cascades over ownerReferences), the PVC binder and
pvc-protection, a directory per bound claim (its volume, deleted with
the claim), and handing new pods to the kubelet.  There is no
ReplicaSet layer: pods are owned by their Deployment directly."""
import hashlib
import json
import os
import shutil
import threading
import traceback

from . import ops
from .meta import (ApiError, now, parse_timestamp, random_suffix, safe_encode,
                   timestamp)


REVISION = "deployment.kubernetes.io/revision"


def template_hash(template):
    data = json.dumps(template, sort_keys=True).encode()
    return safe_encode(hashlib.sha256(data).digest(), 10)


def controller_uid(obj):
    for ref in obj["metadata"].get("ownerReferences") or []:
        if ref.get("controller"):
            return ref.get("uid")
    return None


def pod_ready(p):
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in p.get("status", {}).get("conditions", []))


def _scaled_int(v, total, round_up):
    if isinstance(v, str) and v.endswith("%"):
        n = int(v[:-1]) * total
        return -(-n // 100) if round_up else n // 100
    return int(v or 0)


class Controller(threading.Thread):
    def __init__(self, sim):
        super().__init__(name="controller", daemon=True)
        self.sim, self.store = sim, sim.store
        self.stopping = threading.Event()
        self.revisions = {}

    def run(self):
        while not self.stopping.is_set():
            with self.store.changed:
                self.store.changed.wait(timeout=0.2)
            if self.stopping.is_set():
                return
            try:
                self.reconcile()
            except Exception:  # noqa: BLE001 - log and go on
                self.sim.log("controller: " + traceback.format_exc())

    def stop(self):
        self.stopping.set()
        with self.store.changed:
            self.store.changed.notify_all()
        self.join(timeout=5)

    def reconcile(self):
        for d in self.store.items("deployments"):
            self.deployment(d)
        self.collect_garbage()
        self.claims()
        self.sim.kubelet.sync()

    def _delete_obj(self, resource, obj, policy="Background"):
        md = obj["metadata"]
        try:
            ops.delete(self.sim, resource, md["namespace"], md["name"],
                       {"propagationPolicy": policy,
                        "preconditions": {"uid": md["uid"]}})
        except ApiError:
            pass

    # --------------------------------------------------------- deployment

    def deployment(self, d):
        md, spec = d["metadata"], d["spec"]
        ns = md["namespace"]
        owned = [p for p in self.store.items("pods", ns)
                 if controller_uid(p) == md["uid"]]
        if md.get("deletionTimestamp"):
            return
        h = template_hash(spec["template"])
        active = [p for p in owned if not p["metadata"].get("deletionTimestamp")]
        new = [p for p in active
               if p["metadata"].get("labels", {}).get("pod-template-hash") == h]
        old = [p for p in active if p not in new]
        want = spec.get("replicas", 1)
        st = spec.get("strategy") or {}
        if not spec.get("paused"):
            self.revision(d, h)
            if st.get("type") == "Recreate":
                if old:
                    for p in old:
                        self._delete_obj("pods", p)
                elif not any(p not in new for p in owned):
                    self.scale(d, h, new, want, want)
            else:
                ru = st.get("rollingUpdate") or {}
                surge = _scaled_int(ru.get("maxSurge", "25%"), want, True)
                unav = _scaled_int(ru.get("maxUnavailable", "25%"), want, False)
                self.scale(d, h, new, want, want + surge - len(active)
                           if old else want)
                ready = sum(1 for p in active if pod_ready(p))
                for p in sorted(old, key=pod_ready):
                    if not pod_ready(p):
                        self._delete_obj("pods", p)
                    elif ready - 1 >= want - unav:
                        self._delete_obj("pods", p)
                        ready -= 1
        self.deployment_status(d, h, active, new, old)

    def revision(self, d, h):
        """deployment.kubernetes.io/revision counts templates, as the new
        ReplicaSets of a real cluster do."""
        md = d["metadata"]
        known = self.revisions.get(md["uid"])
        if known and known[0] == h:
            return
        rev = int((md.get("annotations") or {}).get(REVISION) or 0) + 1
        self.revisions[md["uid"]] = [h, rev, False]

        def annotate(obj):
            obj["metadata"].setdefault("annotations", {})[REVISION] = str(rev)
            return obj
        self.store.mutate("deployments", md["namespace"], md["name"],
                          annotate, md["uid"])

    def scale(self, d, h, new, want, room):
        if len(new) > want:
            for p in sorted(new, key=lambda p: (pod_ready(p),
                            p["metadata"]["creationTimestamp"]))[:len(new) - want]:
                self._delete_obj("pods", p)
            return
        for _ in range(max(0, min(want - len(new), room))):
            self.create_pod(d, h)

    def create_pod(self, d, h):
        md, tpl = d["metadata"], d["spec"]["template"]
        pmeta = dict(tpl.get("metadata") or {})
        pmeta.pop("creationTimestamp", None)
        pmeta["labels"] = dict(pmeta.get("labels") or {}, **{
            "pod-template-hash": h})
        pmeta["name"] = f"{md['name']}-{h}-{random_suffix(5)}"
        pmeta["generateName"] = f"{md['name']}-{h}-"
        pmeta["ownerReferences"] = [{
            "apiVersion": "apps/v1", "kind": "Deployment", "name": md["name"],
            "uid": md["uid"], "controller": True, "blockOwnerDeletion": True}]
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": pmeta,
               "spec": tpl["spec"]}
        try:
            ops.create(self.sim, "pods", md["namespace"], pod)
        except ApiError as e:
            self.sim.log(f"deployment {md['namespace']}/{md['name']}: "
                         f"cannot create pod: {e.message}")

    def deployment_status(self, d, h, active, new, old):
        md, spec = d["metadata"], d["spec"]
        want = spec.get("replicas", 1)
        min_ready = spec.get("minReadySeconds", 0)
        ready = [p for p in active if pod_ready(p)]
        available = [p for p in ready if self._available(p, min_ready)]
        st = {"observedGeneration": md.get("generation", 1)}
        for k, n in (("replicas", len(active)), ("updatedReplicas", len(new)),
                     ("readyReplicas", len(ready)),
                     ("availableReplicas", len(available)),
                     ("unavailableReplicas", max(0, want - len(available)))):
            if n:
                st[k] = n
        strategy = spec.get("strategy") or {}
        unav = 0
        if strategy.get("type") == "RollingUpdate" and want:
            unav = _scaled_int((strategy.get("rollingUpdate") or {}).get(
                "maxUnavailable", "25%"), want, False)
        rs = f"{md['name']}-{h}"
        old_st = d.get("status") or {}
        conds = {c["type"]: c for c in old_st.get("conditions", [])}
        ok = len(available) >= want - unav
        avail = self._condition(conds.get("Available"), "Available", ok,
                                "MinimumReplicasAvailable" if ok else
                                "MinimumReplicasUnavailable",
                                "Deployment has minimum availability." if ok
                                else "Deployment does not have minimum "
                                "availability.")
        complete = len(new) == want and len(available) >= want and not old \
            and len(active) == want
        prev = conds.get("Progressing")
        if complete:
            prog = self._condition(prev, "Progressing", True,
                                   "NewReplicaSetAvailable",
                                   f'ReplicaSet "{rs}" has successfully '
                                   f'progressed.')
        elif prev is None or not self.revisions.get(md["uid"], [0, 0, 1])[2]:
            if md["uid"] in self.revisions:
                self.revisions[md["uid"]][2] = True
            prog = self._condition(prev, "Progressing", True,
                                   "NewReplicaSetCreated",
                                   f'Created new replica set "{rs}"')
        else:
            since = parse_timestamp(prev["lastUpdateTime"])
            progressed = (old_st.get("updatedReplicas", 0),
                          old_st.get("availableReplicas", 0)) != \
                (len(new), len(available))
            deadline = spec.get("progressDeadlineSeconds", 600)
            if not progressed and prev.get("reason") != "NewReplicaSetAvailable" \
                    and (now() - since).total_seconds() > deadline:
                prog = self._condition(prev, "Progressing", False,
                                       "ProgressDeadlineExceeded",
                                       f'ReplicaSet "{rs}" has timed out '
                                       f'progressing.')
            elif prev.get("reason") == "ProgressDeadlineExceeded" and \
                    not progressed:
                prog = prev
            else:
                prog = self._condition(prev, "Progressing", True,
                                       "ReplicaSetUpdated",
                                       f'ReplicaSet "{rs}" is progressing.',
                                       touch=progressed)
        st["conditions"] = [avail, prog]
        if st == old_st:
            return

        def put(obj):
            if obj["metadata"].get("generation") != md.get("generation"):
                return None
            obj["status"] = st
            return obj
        self.store.mutate("deployments", md["namespace"], md["name"], put,
                          md["uid"])

    @staticmethod
    def _available(p, min_ready):
        if not min_ready:
            return True
        for c in p.get("status", {}).get("conditions", []):
            if c.get("type") == "Ready" and c.get("lastTransitionTime"):
                since = parse_timestamp(c["lastTransitionTime"])
                return (now() - since).total_seconds() >= min_ready
        return False

    @staticmethod
    def _condition(prev, typ, ok, reason, message, touch=True):
        status = "True" if ok else "False"
        if prev and (prev["status"], prev.get("reason"), prev.get("message")) \
                == (status, reason, message):
            return prev
        t = timestamp()
        return {"type": typ, "status": status,
                "lastUpdateTime": t if touch or not prev else prev["lastUpdateTime"],
                "lastTransitionTime": t if not prev or prev["status"] != status
                else prev["lastTransitionTime"],
                "reason": reason, "message": message}

    # ------------------------------------------------------------ garbage

    def collect_garbage(self):
        for resource in ("pods", "services", "persistentvolumeclaims",
                         "deployments"):
            for o in self.store.items(resource):
                md = o["metadata"]
                refs = md.get("ownerReferences") or []
                if refs and not md.get("deletionTimestamp") and all(
                        self.store.by_uid(r.get("uid"))[1] is None
                        for r in refs):
                    self._delete_obj(resource, o)
                if md.get("deletionTimestamp") and \
                        "foregroundDeletion" in (md.get("finalizers") or []):
                    self.foreground(resource, o)

    def foreground(self, resource, o):
        md = o["metadata"]
        blocking = 0
        for r, dep, ref in ops.dependents(self.sim, md["uid"]):
            if not dep["metadata"].get("deletionTimestamp"):
                self._delete_obj(r, dep, "Foreground")
            if ref.get("blockOwnerDeletion"):
                blocking += 1
        if blocking:
            return

        def unblock(obj):
            obj["metadata"]["finalizers"] = [
                f for f in obj["metadata"]["finalizers"]
                if f != "foregroundDeletion"]
            return obj
        self.store.mutate(resource, md["namespace"], md["name"], unblock,
                          md["uid"])

    # ------------------------------------------------------------- claims

    def claims(self):
        volumes = set()
        for c in self.store.items("persistentvolumeclaims"):
            md = c["metadata"]
            volumes.add(c["spec"].get("volumeName") or "pvc-" + md["uid"])
            if md.get("deletionTimestamp"):
                if "kubernetes.io/pvc-protection" in (md.get("finalizers") or []) \
                        and not self._claim_in_use(c):
                    self.store.mutate("persistentvolumeclaims", md["namespace"],
                                      md["name"], self._unprotect, md["uid"])
                continue
            if c.get("status", {}).get("phase") != "Bound" or \
                    c["status"].get("capacity", {}).get("storage") != \
                    c["spec"]["resources"]["requests"]["storage"]:
                os.makedirs(self.sim.volume_dir("pvc-" + md["uid"]),
                            exist_ok=True)
                self.store.mutate("persistentvolumeclaims", md["namespace"],
                                  md["name"], self._bind, md["uid"])
        self.reclaim(volumes)

    def reclaim(self, volumes):
        """A claim gone, its volume goes too (reclaimPolicy Delete, what
        dynamically provisioned volumes get): files and all."""
        for name in os.listdir(self.sim.volume_dir("")):
            if name not in volumes:
                shutil.rmtree(self.sim.volume_dir(name), ignore_errors=True)

    def _claim_in_use(self, c):
        for p in self.store.items("pods", c["metadata"]["namespace"]):
            for v in p["spec"].get("volumes") or []:
                if (v.get("persistentVolumeClaim") or {}).get("claimName") == \
                        c["metadata"]["name"]:
                    return True
        return False

    @staticmethod
    def _unprotect(obj):
        obj["metadata"]["finalizers"] = [
            f for f in obj["metadata"]["finalizers"]
            if f != "kubernetes.io/pvc-protection"]
        return obj

    @staticmethod
    def _bind(obj):
        spec = obj["spec"]
        spec.setdefault("volumeName", "pvc-" + obj["metadata"]["uid"])
        ann = obj["metadata"].setdefault("annotations", {})
        ann.setdefault("pv.kubernetes.io/bind-completed", "yes")
        ann.setdefault("pv.kubernetes.io/bound-by-controller", "yes")
        ann.setdefault("volume.beta.kubernetes.io/storage-provisioner",
                       "kube-sim")
        ann.setdefault("volume.kubernetes.io/storage-provisioner", "kube-sim")
        obj["status"] = {"phase": "Bound",
                         "accessModes": list(spec.get("accessModes", [])),
                         "capacity": {"storage": spec["resources"]["requests"]
                                      ["storage"]}}
        return obj

