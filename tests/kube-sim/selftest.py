#!/usr/bin/python3
"""selftest.py - kube-sim's semantics beyond what tests/integration/
kubesim.sh proves with kubectl, over raw HTTPS: object API details
(generateName, dryRun, immutable fields, patches, preconditions,
propagation, finalizers), the controller (RollingUpdate, paused,
deadlines, minReadySeconds), the kubelet (probes of every kind, restart
policies, grace periods, image changes, logs, --image-map placeholders,
claims' volumes and access modes),
watch details, Tables, port-forward with several ports, faults, token and
CA rotation.  Starts its own kube-sim; TAP output (make check)."""
import base64
import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
KS = os.path.join(HERE, "kube-sim")
PY = "/usr/bin/python3"
NS = "/api/v1/namespaces/default"
APPS = "/apis/apps/v1/namespaces/default"

# ------------------------------------------------------------------ harness

results = []


def tap(ok, what, diag=""):
    results.append(ok)
    print(f"{'ok' if ok else 'not ok'} {len(results)} - {what}", flush=True)
    if not ok and diag:
        for line in str(diag).splitlines()[-15:]:
            print("# " + line, flush=True)


def check(what):
    def run(fn):
        try:
            r = fn()
            tap(r is not False, what, "" if r is not False else "returned False")
        except Exception:  # noqa: BLE001 - every failure is a "not ok"
            tap(False, what, traceback.format_exc())
        return fn
    return run


# Waits for a state, not a time: generous, since a loaded machine is slow
# and a state that holds ends the wait at once.
def wait(fn, timeout=60, step=0.05):
    end = time.monotonic() + timeout
    while True:
        try:
            v = fn()
            if v:
                return v
        except Exception:  # noqa: BLE001 - retried until the deadline
            if time.monotonic() > end:
                raise
        if time.monotonic() > end:
            return v
        time.sleep(step)


class Sim:
    def __init__(self, *args):
        self.dir = tempfile.mkdtemp(prefix="ks-selftest.")
        self.log = open(os.path.join(self.dir, "sim.log"), "w")
        self.proc = subprocess.Popen(
            [PY, KS, "--state-dir", os.path.join(self.dir, "s"),
             "--log", os.path.join(self.dir, "sim.log"), *args],
            stdout=self.log, stderr=subprocess.STDOUT)
        self.d = os.path.join(self.dir, "s")
        wait(lambda: os.path.exists(self.path("url")))
        self.url = self.read("url")
        self.port = int(self.read("port"))
        self.token = self.read("token")
        self.admin = self.read("admin-token")

    def path(self, *p):
        return os.path.join(self.d, *p)

    def read(self, name):
        with open(self.path(name)) as f:
            return f.read().strip()

    def ctx(self, ca=None):
        return ssl.create_default_context(cafile=ca or self.path("ca.crt"))

    def conn(self, timeout=20, ca=None):
        return http.client.HTTPSConnection("127.0.0.1", self.port,
                                           timeout=timeout,
                                           context=self.ctx(ca))

    def req(self, method, path, body=None, ctype="application/json",
            token=None, headers=None, raw=False):
        c = self.conn()
        h = {"Authorization": "Bearer " + (token or self.token)}
        h.update(headers or {})
        data = None
        if body is not None:
            data = body if isinstance(body, (bytes, str)) else json.dumps(body)
            h["Content-Type"] = ctype
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        text = r.read()
        c.close()
        if raw:
            return r.status, r.headers, text
        try:
            obj = json.loads(text) if text else None
        except ValueError:
            obj = text.decode()
        return r.status, r.headers, obj

    def get(self, path, **kw):
        return self.req("GET", path, **kw)[2]

    def control(self, method, path, body=None):
        return self.req(method, path, body, token=self.admin)

    def state(self):
        return self.control("GET", "/sim/state")[2]

    def watch(self, path, seconds=3, until=None):
        """Events of a watch stream (read until it ends, or until(events))."""
        c = self.conn(timeout=seconds + 10)
        c.request("GET", path, headers={"Authorization": "Bearer " + self.token})
        r = c.getresponse()
        assert r.status == 200, r.status
        events = []
        for line in r:
            events.append(json.loads(line))
            if until and until(events):
                break
        c.close()
        return events

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def deployment(name, replicas=1, image="example/app:1", ports=(5900,),
               env=None, probe=True, strategy=None, extra_spec=None,
               container=None, labels=None):
    c = {"name": "c", "image": image,
         "ports": [{"containerPort": p, "name": f"p{p}"} for p in ports]}
    if env:
        c["env"] = [{"name": k, "value": v} for k, v in env.items()]
    if probe and ports:
        c["readinessProbe"] = {"tcpSocket": {"port": ports[0]},
                               "periodSeconds": 1}
    c.update(container or {})
    spec = {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": dict({"app": name},
                                                     **(labels or {}))},
                         "spec": {"containers": [c],
                                  "terminationGracePeriodSeconds": 2}}}
    if strategy:
        spec["strategy"] = strategy
    spec.update(extra_spec or {})
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name}, "spec": spec}


def pvc(name, size="1Gi"):
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": name},
            "spec": {"accessModes": ["ReadWriteOnce"],
                     "resources": {"requests": {"storage": size}}}}


def pod(name, command_image, restart="Always", containers=None, **spec):
    cs = containers or [{"name": "c", "image": command_image}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": dict({"containers": cs, "restartPolicy": restart,
                          "terminationGracePeriodSeconds": 2}, **spec)}


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


# ------------------------------------------------------------------- tests

def main():
    if shutil.which("openssl") is None:
        print("1..0 # SKIP openssl missing")
        return 0
    try:
        __import__("websockets")
    except ImportError:
        print("1..0 # SKIP python3-websockets missing")
        return 0
    flag = tempfile.mktemp(prefix="ks-ready-flag.")
    s = Sim("--bookmark-interval", "0.5", "--history", "5000",
            "--image-map", "example/http:*=exec " + PY +
            " -m http.server --bind {ip} {port}",
            "--image-map", "example/env:1=echo ip={ip} port={port} "
            "ports={ports} display={display} pod={pod} ns={namespace} "
            "container={container} env_ip=$POD_IP name=$POD_NAME "
            "mine=$MINE; exec sleep 600",
            "--image-map", "example/stubborn:1=trap '' TERM; echo started; "
            "while :; do sleep 0.1; done",
            "--image-map", "example/exit0:1=exit 0",
            "--image-map", "example/exit3:1=exit 3",
            "--image-map", "example/never:1=exec sleep 600",
            "--image-map", "example/vol:1=echo mounts=$SIM_MOUNTS; "
            "ls {mount:/data}; echo hi > {mount:/data}/from-{pod}; "
            "exec sleep 600")
    try:
        run_tests(s, flag)
    finally:
        s.stop()
        if os.path.exists(flag):
            os.unlink(flag)
        failed = not all(results)
        if failed:
            with open(os.path.join(s.dir, "sim.log")) as f:
                for line in f.readlines()[-25:]:
                    print("# " + line.rstrip())
        shutil.rmtree(s.dir, ignore_errors=True)
    print(f"1..{len(results)}")
    return 1 if failed else 0


def run_tests(s, flag):
    # ------------------------------------------------------------- objects
    @check("generateName: a name with a 5-character suffix")
    def _():
        st, _, o = s.req("POST", NS + "/persistentvolumeclaims",
                         dict(pvc(""), metadata={"generateName": "gen-"}))
        n = o["metadata"]["name"]
        return st == 201 and n.startswith("gen-") and len(n) == 9

    @check("dryRun=All: 201 with defaults, nothing stored")
    def _():
        st, _, o = s.req("POST", APPS + "/deployments?dryRun=All",
                         deployment("dry"))
        return st == 201 and o["spec"]["revisionHistoryLimit"] == 10 and \
            s.req("GET", APPS + "/deployments/dry")[0] == 404

    @check("quantities are canonicalised (0.5 -> 500m, 1000 -> 1k, 1536Mi -> 1536Mi, 2048Mi -> 2Gi)")
    def _():
        d = deployment("quant", replicas=0, container={"resources": {
            "requests": {"cpu": "0.5", "memory": "1000"},
            "limits": {"cpu": 1, "memory": "2048Mi",
                       "ephemeral-storage": "1536Mi"}}})
        o = s.req("POST", APPS + "/deployments", d)[2]
        r = o["spec"]["template"]["spec"]["containers"][0]["resources"]
        assert r == {"requests": {"cpu": "500m", "memory": "1k"},
                     "limits": {"cpu": "1", "memory": "2Gi",
                                "ephemeral-storage": "1536Mi"}}, r

    @check("a duplicate JSON key: 400 under Strict, a Warning under Warn")
    def _():
        body = '{"metadata":{"name":"dup","name":"dup"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}'
        st, _, o = s.req("POST", NS + "/persistentvolumeclaims?fieldValidation=Strict", body)
        assert st == 400 and 'duplicate field "name"' in o["message"], o
        st, h, _ = s.req("POST", NS + "/persistentvolumeclaims", body)
        return st == 201 and 'duplicate field \\"name\\"' in h["Warning"]

    @check("fieldValidation=Bogus: 422 on CreateOptions")
    def _():
        st, _, o = s.req("POST", NS + "/persistentvolumeclaims?fieldValidation=Bogus", pvc("fv"))
        return st == 422 and o["message"].startswith('CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Bogus"')

    @check("PUT without resourceVersion is unconditional; PUT of a missing object is 404")
    def _():
        assert s.req("POST", NS + "/persistentvolumeclaims", pvc("fv"))[0] == 201
        o = s.get(NS + "/persistentvolumeclaims/fv")
        del o["metadata"]["resourceVersion"]
        o["metadata"]["labels"] = {"put": "yes"}
        st, _, n = s.req("PUT", NS + "/persistentvolumeclaims/fv", o)
        assert st == 200 and n["metadata"]["labels"] == {"put": "yes"}, n
        return s.req("PUT", NS + "/persistentvolumeclaims/nope",
                     dict(pvc("nope")))[0] == 404

    @check("a no-op update keeps the resourceVersion")
    def _():
        o = s.get(NS + "/persistentvolumeclaims/fv")
        n = s.req("PUT", NS + "/persistentvolumeclaims/fv", o)[2]
        return n["metadata"]["resourceVersion"] == o["metadata"]["resourceVersion"]

    @check("Service: PUT without clusterIP keeps it; changing it is 422")
    def _():
        svc = {"metadata": {"name": "svc"}, "spec": {
            "selector": {"app": "x"}, "ports": [{"port": 80}]}}
        ip = s.req("POST", NS + "/services", svc)[2]["spec"]["clusterIP"]
        st, _, o = s.req("PUT", NS + "/services/svc", svc)
        assert st == 200 and o["spec"]["clusterIP"] == ip, o
        svc["spec"]["clusterIP"] = "10.96.99.99"
        svc["spec"]["clusterIPs"] = ["10.96.99.99"]
        st, _, o = s.req("PUT", NS + "/services/svc", svc)
        return st == 422 and "spec.clusterIPs[0]: Invalid value" in o["message"] \
            and "may not change once set" in o["message"]

    @check("Service: two unnamed ports: 422 spec.ports[1].name Required value")
    def _():
        st, _, o = s.req("POST", NS + "/services", {
            "metadata": {"name": "svc2"},
            "spec": {"ports": [{"port": 80}, {"port": 81}]}})
        return st == 422 and {"reason": "FieldValueRequired",
                              "message": "Required value",
                              "field": "spec.ports[1].name"} in o["details"]["causes"]

    @check("Deployment: the selector is immutable")
    def _():
        s.req("POST", APPS + "/deployments", deployment("imm", replicas=0))
        st, _, o = s.req("PATCH", APPS + "/deployments/imm", {
            "spec": {"selector": {"matchLabels": {"app": "imm", "x": "y"}},
                     "template": {"metadata": {"labels": {"x": "y"}}}}},
            "application/merge-patch+json")
        return st == 422 and "spec.selector: Invalid value" in o["message"] \
            and "field is immutable" in o["message"]

    @check("PVC: spec immutable except storage growth; growth updates the capacity")
    def _():
        st, _, o = s.req("PATCH", NS + "/persistentvolumeclaims/fv",
                         {"spec": {"accessModes": ["ReadWriteMany"]}},
                         "application/merge-patch+json")
        assert st == 422 and "spec is immutable after creation" in o["message"], o
        st, _, o = s.req("PATCH", NS + "/persistentvolumeclaims/fv",
                         {"spec": {"resources": {"requests": {"storage": "512Mi"}}}},
                         "application/merge-patch+json")
        assert st == 422 and "spec.resources.requests.storage: Forbidden" in o["message"], o
        st, _, o = s.req("PATCH", NS + "/persistentvolumeclaims/fv",
                         {"spec": {"resources": {"requests": {"storage": "2Gi"}}}},
                         "application/merge-patch+json")
        assert st == 200, o
        return wait(lambda: s.get(NS + "/persistentvolumeclaims/fv")["status"]["capacity"]["storage"] == "2Gi")

    @check("merge patch: null removes a key")
    def _():
        s.req("PATCH", NS + "/persistentvolumeclaims/fv",
              {"metadata": {"labels": {"a": "1", "b": "2"}}},
              "application/merge-patch+json")
        o = s.req("PATCH", NS + "/persistentvolumeclaims/fv",
                  {"metadata": {"labels": {"a": None}}},
                  "application/merge-patch+json")[2]
        return o["metadata"]["labels"] == {"put": "yes", "b": "2"}

    @check("strategic merge patch: containers and env merge by name, $setElementOrder orders")
    def _():
        d = deployment("smp", replicas=0, env={"A": "1", "B": "2"})
        d["spec"]["template"]["spec"]["containers"].append(
            {"name": "side", "image": "example/app:1"})
        s.req("POST", APPS + "/deployments", d)
        o = s.req("PATCH", APPS + "/deployments/smp", {"spec": {"template": {
            "spec": {"$setElementOrder/containers": [{"name": "side"},
                                                      {"name": "c"}],
                     "containers": [{"name": "c", "env": [
                         {"name": "B", "value": "3"},
                         {"name": "C", "value": "4"}]}]}}}},
            "application/strategic-merge-patch+json")[2]
        cs = o["spec"]["template"]["spec"]["containers"]
        assert [c["name"] for c in cs] == ["side", "c"], cs
        return cs[1]["env"] == [{"name": "A", "value": "1"},
                                {"name": "B", "value": "3"},
                                {"name": "C", "value": "4"}]

    @check("strategic merge patch: $patch: delete removes a list element")
    def _():
        o = s.req("PATCH", APPS + "/deployments/smp", {"spec": {"template": {
            "spec": {"containers": [{"name": "side", "$patch": "delete"}]}}}},
            "application/strategic-merge-patch+json")[2]
        return [c["name"] for c in o["spec"]["template"]["spec"]["containers"]] == ["c"]

    @check("JSON patch: add, copy, move, remove")
    def _():
        o = s.req("PATCH", NS + "/persistentvolumeclaims/fv", [
            {"op": "add", "path": "/metadata/labels/x", "value": "1"},
            {"op": "copy", "from": "/metadata/labels/x", "path": "/metadata/labels/y"},
            {"op": "move", "from": "/metadata/labels/b", "path": "/metadata/labels/z"},
            {"op": "remove", "path": "/metadata/labels/put"}],
            "application/json-patch+json")[2]
        return o["metadata"]["labels"] == {"x": "1", "y": "1", "z": "2"}

    @check("a patch that pins a stale resourceVersion: 409 Conflict")
    def _():
        st, _, o = s.req("PATCH", NS + "/persistentvolumeclaims/fv",
                         {"metadata": {"resourceVersion": "1", "labels": {"q": "1"}}},
                         "application/merge-patch+json")
        return st == 409 and o["reason"] == "Conflict"

    @check("a patch into an unknown field under Strict: 422 on field patch")
    def _():
        st, _, o = s.req("PATCH", NS + "/persistentvolumeclaims/fv?fieldValidation=Strict",
                         {"spec": {"bogus": 1}}, "application/merge-patch+json")
        return st == 422 and o["message"] == (
            ' "" is invalid: patch: Invalid value: "map[spec:map[bogus:1]]": '
            'strict decoding error: unknown field "spec.bogus"')

    @check("scale: PUT with a stale RV 409, negative 422, JSON patch works")
    def _():
        sc = s.get(APPS + "/deployments/imm/scale")
        stale = dict(sc, metadata=dict(sc["metadata"], resourceVersion="1"))
        assert s.req("PUT", APPS + "/deployments/imm/scale", stale)[0] == 409
        sc["spec"]["replicas"] = -1
        st, _, o = s.req("PUT", APPS + "/deployments/imm/scale", sc)
        assert st == 422 and o["message"] == (
            'Scale.autoscaling "imm" is invalid: spec.replicas: Invalid '
            'value: -1: must be greater than or equal to 0'), o
        st, _, o = s.req("PATCH", APPS + "/deployments/imm/scale",
                         [{"op": "replace", "path": "/spec/replicas", "value": 0}],
                         "application/json-patch+json")
        return st == 200 and o["kind"] == "Scale"

    @check("delete preconditions: wrong uid or resourceVersion is 409")
    def _():
        st, _, o = s.req("DELETE", NS + "/persistentvolumeclaims/fv",
                         {"preconditions": {"uid": "x"}})
        assert st == 409 and o["message"].startswith(
            "Precondition failed: UID in precondition: x"), o
        st, _, o = s.req("DELETE", NS + "/persistentvolumeclaims/fv",
                         {"preconditions": {"resourceVersion": "1"}})
        return st == 409 and "ResourceVersion in precondition: 1" in o["message"]

    @check("deletecollection with a labelSelector deletes only the matches")
    def _():
        for n, lab in (("dc1", "yes"), ("dc2", "yes"), ("dc3", "no")):
            s.req("POST", NS + "/services", {"metadata": {
                "name": n, "labels": {"dc": lab}}, "spec": {"ports": [{"port": 1}]}})
        st, _, o = s.req("DELETE", NS + "/services?labelSelector=dc%3Dyes")
        left = [i["metadata"]["name"] for i in s.get(NS + "/services?labelSelector=dc")["items"]]
        return st == 200 and o["kind"] == "ServiceList" and \
            len(o["items"]) == 2 and left == ["dc3"]

    @check("a custom finalizer keeps an object (deletionTimestamp) until it is removed")
    def _():
        s.req("POST", NS + "/services", {"metadata": {
            "name": "fin", "finalizers": ["example.com/hold"]},
            "spec": {"ports": [{"port": 1}]}})
        st, _, o = s.req("DELETE", NS + "/services/fin")
        assert st == 200 and o["metadata"]["deletionTimestamp"], o
        assert s.req("GET", NS + "/services/fin")[0] == 200
        s.req("PATCH", NS + "/services/fin", {"metadata": {"finalizers": None}},
              "application/merge-patch+json")
        return s.req("GET", NS + "/services/fin")[0] == 404

    @check("Status of an immediate delete: the object for core kinds, a Success Status for apps")
    def _():
        st, _, o = s.req("DELETE", NS + "/services/dc3")
        assert st == 200 and o["kind"] == "Service", o
        st, _, o = s.req("DELETE", APPS + "/deployments/dry2")
        assert st == 404
        s.req("POST", APPS + "/deployments", deployment("gone", replicas=0))
        st, _, o = s.req("DELETE", APPS + "/deployments/gone")
        return st == 200 and o["kind"] == "Status" and o["status"] == "Success" \
            and o["details"]["kind"] == "deployments" and o["details"]["group"] == "apps"

    @check("errors: 405 for POST on a cluster-wide collection or namespaces, 404 for unknown paths, 413 for 4 MiB")
    def _():
        assert s.req("POST", "/api/v1/pods", pod("x", "y"))[0] == 405
        assert s.req("POST", "/api/v1/namespaces", {"metadata": {"name": "n"}})[0] == 405
        assert s.req("GET", "/api/v1/namespaces/default/configmaps")[0] == 404
        assert s.req("GET", "/apis/batch/v1")[0] == 404
        big = {"metadata": {"name": "big", "annotations": {"a": "x" * (4 << 20)}}}
        return s.req("POST", NS + "/services", big)[0] == 413

    @check("bad selectors: 400 with the apiserver's words")
    def _():
        st, _, o = s.req("GET", NS + "/pods?fieldSelector=spec.foo%3Dx")
        assert st == 400 and o["message"] == "field label not supported: spec.foo", o
        st, _, o = s.req("GET", NS + "/pods?labelSelector=a%20in%20b")
        return st == 400 and o["message"].startswith("unable to parse requirement")

    # ---------------------------------------------------------- controller
    @check("a pod whose claim is missing stays Pending (Unschedulable) until the PVC exists")
    def _():
        d = deployment("claim", probe=False)
        d["spec"]["template"]["spec"]["volumes"] = [
            {"name": "h", "persistentVolumeClaim": {"claimName": "claim-home"}}]
        s.req("POST", APPS + "/deployments", d)

        def unsched():
            p = s.get(NS + "/pods?labelSelector=app%3Dclaim")["items"][0]
            c = p["status"]["conditions"][0]
            return p["status"]["phase"] == "Pending" and c["type"] == "PodScheduled" \
                and c["status"] == "False" and c["reason"] == "Unschedulable" and \
                'persistentvolumeclaim "claim-home" not found' in c["message"]
        assert wait(unsched), "not unschedulable"
        s.req("POST", NS + "/persistentvolumeclaims", pvc("claim-home"))
        return wait(lambda: s.get(NS + "/pods?labelSelector=app%3Dclaim")["items"][0]["status"]["phase"] == "Running")

    @check("pvc-protection: a claim in use lingers after DELETE, goes when its pod is gone")
    def _():
        st, _, o = s.req("DELETE", NS + "/persistentvolumeclaims/claim-home")
        assert st == 200 and o["metadata"].get("deletionTimestamp"), o
        time.sleep(0.3)
        assert s.req("GET", NS + "/persistentvolumeclaims/claim-home")[0] == 200
        s.req("DELETE", APPS + "/deployments/claim")
        return wait(lambda: s.req("GET", NS + "/persistentvolumeclaims/claim-home")[0] == 404)

    def vol_pod(name, claim, image="example/vol:1"):
        return pod(name, image, volumes=[
            {"name": "d", "persistentVolumeClaim": {"claimName": claim}},
            {"name": "shm", "emptyDir": {"medium": "Memory"}}],
            containers=[{"name": "c", "image": image, "volumeMounts": [
                {"name": "d", "mountPath": "/data"},
                {"name": "shm", "mountPath": "/dev/shm"}]}])

    def phase(name):
        return s.get(NS + "/pods/" + name)["status"].get("phase")

    def pod_log(name):
        with open(s.path("pods", f"default_{name}_c.log")) as f:
            return f.read()

    def gone(path):
        return s.req("GET", path)[0] == 404

    @check("a claim's volume is a directory its pods see (SIM_MOUNTS, {mount:PATH}), kept across pods")
    def _():
        s.req("POST", NS + "/persistentvolumeclaims", pvc("vol-a"))
        uid = wait(lambda: s.get(NS + "/persistentvolumeclaims/vol-a")["metadata"]["uid"])
        volume = s.path("volumes", "pvc-" + uid)
        s.req("POST", NS + "/pods", vol_pod("vol-p1", "vol-a"))
        assert wait(lambda: os.path.exists(os.path.join(volume, "from-vol-p1"))), \
            os.listdir(s.path("volumes"))
        assert f"/data={volume}" in pod_log("vol-p1"), pod_log("vol-p1")
        assert "/dev/shm=" in pod_log("vol-p1"), pod_log("vol-p1")
        s.req("DELETE", NS + "/pods/vol-p1?gracePeriodSeconds=0")
        assert wait(lambda: gone(NS + "/pods/vol-p1"))
        s.req("POST", NS + "/pods", vol_pod("vol-p2", "vol-a"))
        return wait(lambda: "from-vol-p1" in pod_log("vol-p2"))

    @check("ReadWriteOnce on the one node: a second pod mounts the claim too, as Kubernetes allows")
    def _():
        s.req("POST", NS + "/pods", vol_pod("vol-p3", "vol-a"))
        return wait(lambda: phase("vol-p2") == "Running" and phase("vol-p3") == "Running")

    @check("ReadWriteOncePod: a second pod is Unschedulable with the scheduler's message until the first is gone")
    def _():
        c = pvc("vol-once")
        c["spec"]["accessModes"] = ["ReadWriteOncePod"]
        s.req("POST", NS + "/persistentvolumeclaims", c)
        s.req("POST", NS + "/pods", vol_pod("vol-o1", "vol-once"))
        assert wait(lambda: phase("vol-o1") == "Running")
        s.req("POST", NS + "/pods", vol_pod("vol-o2", "vol-once"))

        def refused():
            cond = s.get(NS + "/pods/vol-o2")["status"]["conditions"][0]
            return cond["reason"] == "Unschedulable" and "ReadWriteOncePod " \
                "access mode" in cond["message"]
        assert wait(refused), s.get(NS + "/pods/vol-o2")["status"]
        time.sleep(0.3)
        assert phase("vol-o2") == "Pending"
        s.req("DELETE", NS + "/pods/vol-o1")
        return wait(lambda: phase("vol-o2") == "Running")

    @check("a claim being deleted takes no new pod; once its pods are gone its volume goes with it")
    def _():
        uid = s.get(NS + "/persistentvolumeclaims/vol-a")["metadata"]["uid"]
        s.req("DELETE", NS + "/persistentvolumeclaims/vol-a")
        s.req("POST", NS + "/pods", vol_pod("vol-p4", "vol-a"))

        def refused():
            cond = s.get(NS + "/pods/vol-p4")["status"]["conditions"][0]
            return 'persistentvolumeclaim "vol-a" is being deleted' in cond["message"]
        assert wait(refused), s.get(NS + "/pods/vol-p4")["status"]
        assert os.path.isdir(s.path("volumes", "pvc-" + uid))
        for name in ("vol-p2", "vol-p3", "vol-p4"):
            s.req("DELETE", NS + "/pods/" + name + "?gracePeriodSeconds=0")
        assert wait(lambda: gone(NS + "/persistentvolumeclaims/vol-a"))
        return wait(lambda: not os.path.exists(s.path("volumes", "pvc-" + uid)))

    @check("RollingUpdate: a template change replaces both pods, status converges, revision 2")
    def _():
        s.req("POST", APPS + "/deployments", deployment("roll", replicas=2))

        def done(gen):
            d = s.get(APPS + "/deployments/roll")
            st = d["status"]
            conds = {c["type"]: c for c in st.get("conditions", [])}
            return st.get("observedGeneration") == gen and \
                st.get("updatedReplicas") == 2 and st.get("readyReplicas") == 2 \
                and st.get("replicas") == 2 and \
                conds["Progressing"]["reason"] == "NewReplicaSetAvailable" and \
                conds["Available"]["status"] == "True"
        assert wait(lambda: done(1)), s.get(APPS + "/deployments/roll")["status"]
        old = {p["metadata"]["name"] for p in s.get(NS + "/pods?labelSelector=app%3Droll")["items"]}
        s.req("PATCH", APPS + "/deployments/roll", {"spec": {"template": {
            "metadata": {"labels": {"v": "2"}}}}}, "application/merge-patch+json")
        assert wait(lambda: done(2)), s.get(APPS + "/deployments/roll")["status"]
        ann = s.get(APPS + "/deployments/roll")["metadata"]["annotations"]
        assert ann == {"deployment.kubernetes.io/revision": "2"}, ann
        new = [p for p in s.get(NS + "/pods?labelSelector=app%3Droll")["items"]
               if not p["metadata"].get("deletionTimestamp")]
        return len(new) == 2 and not old & {p["metadata"]["name"] for p in new} \
            and all(p["metadata"]["labels"]["v"] == "2" for p in new)

    @check("paused: a template change does not roll")
    def _():
        s.req("PATCH", APPS + "/deployments/roll", {"spec": {"paused": True}},
              "application/merge-patch+json")
        before = {p["metadata"]["name"] for p in s.get(NS + "/pods?labelSelector=app%3Droll")["items"]}
        s.req("PATCH", APPS + "/deployments/roll", {"spec": {"template": {
            "metadata": {"labels": {"v": "3"}}}}}, "application/merge-patch+json")
        time.sleep(0.8)
        after = {p["metadata"]["name"] for p in s.get(NS + "/pods?labelSelector=app%3Droll")["items"]}
        return before == after

    @check("Orphan: the pods stay, without the owner reference")
    def _():
        st, _, o = s.req("DELETE", APPS + "/deployments/roll?propagationPolicy=Orphan")
        assert st == 200, o
        time.sleep(0.5)
        ps = s.get(NS + "/pods?labelSelector=app%3Droll")["items"]
        assert len(ps) == 2 and all("ownerReferences" not in p["metadata"] for p in ps), ps
        s.req("DELETE", NS + "/pods?labelSelector=app%3Droll",
              {"gracePeriodSeconds": 0})
        return wait(lambda: not s.get(NS + "/pods?labelSelector=app%3Droll")["items"])

    @check("Background: a Service owned by a Deployment is collected with it")
    def _():
        d = s.req("POST", APPS + "/deployments", deployment("own", replicas=0))[2]
        s.req("POST", NS + "/services", {"metadata": {"name": "own", "ownerReferences": [{
            "apiVersion": "apps/v1", "kind": "Deployment", "name": "own",
            "uid": d["metadata"]["uid"], "controller": True,
            "blockOwnerDeletion": True}]}, "spec": {"ports": [{"port": 1}]}})
        s.req("DELETE", APPS + "/deployments/own")
        return wait(lambda: s.req("GET", NS + "/services/own")[0] == 404)

    @check("Foreground: the Deployment lingers with the finalizer until its pod is gone")
    def _():
        s.req("POST", APPS + "/deployments", deployment(
            "fg", image="example/stubborn:1", probe=False,
            extra_spec={}, container={}))
        wait(lambda: s.get(NS + "/pods?labelSelector=app%3Dfg")["items"][0]["status"]["phase"] == "Running")
        st, _, o = s.req("DELETE", APPS + "/deployments/fg",
                         {"propagationPolicy": "Foreground"})
        assert st == 200 and "foregroundDeletion" in o["metadata"]["finalizers"] \
            and o["metadata"]["deletionTimestamp"], o
        assert s.req("GET", APPS + "/deployments/fg")[0] == 200
        return wait(lambda: s.req("GET", APPS + "/deployments/fg")[0] == 404) and \
            not s.get(NS + "/pods?labelSelector=app%3Dfg")["items"]

    @check("minReadySeconds: available only that long after Ready")
    def _():
        s.req("POST", APPS + "/deployments", deployment(
            "minready", extra_spec={"minReadySeconds": 2}))
        wait(lambda: s.get(APPS + "/deployments/minready")["status"].get("readyReplicas") == 1)
        t = time.monotonic()
        st = s.get(APPS + "/deployments/minready")["status"]
        # (Only meaningful when this read came well within the 2 s.)
        assert time.monotonic() - t > 1.5 or "availableReplicas" not in st, st
        return wait(lambda: s.get(APPS + "/deployments/minready")["status"].get("availableReplicas") == 1)

    @check("progressDeadlineSeconds: Progressing False, ProgressDeadlineExceeded")
    def _():
        s.req("POST", APPS + "/deployments", deployment(
            "late", image="example/never:1",
            extra_spec={"progressDeadlineSeconds": 1}))

        def exceeded():
            c = {c["type"]: c for c in s.get(APPS + "/deployments/late")["status"]["conditions"]}
            return c["Progressing"]["status"] == "False" and \
                c["Progressing"]["reason"] == "ProgressDeadlineExceeded" and \
                c["Available"]["reason"] == "MinimumReplicasUnavailable"
        return wait(exceeded)

    # ------------------------------------------------------------- kubelet
    @check("--image-map placeholders and the container's environment")
    def _():
        p = pod("envpod", "example/env:1", containers=[{
            "name": "main", "image": "example/env:1",
            "ports": [{"containerPort": 7000}, {"containerPort": 7001}],
            "env": [{"name": "MINE", "value": "v1"}]}])
        s.req("POST", NS + "/pods", p)

        def logged():
            st, _, t = s.req("GET", NS + "/pods/envpod/log", raw=True)
            return st == 200 and b"mine=v1" in t and t.decode()
        t = wait(logged)
        ip = s.get(NS + "/pods/envpod")["status"]["podIP"]
        assert f"ip={ip} port=7000 ports=7000,7001 display=" in t, t
        return f"pod=envpod ns=default container=main env_ip={ip} name=envpod mine=v1" in t

    @check("pods/log: tailLines, limitBytes, follow; a container name is required with several")
    def _():
        st, _, t = s.req("GET", NS + "/pods/envpod/log?limitBytes=3", raw=True)
        assert st == 200 and t == b"ip=", t
        st, _, t = s.req("GET", NS + "/pods/envpod/log?tailLines=0", raw=True)
        assert st == 200 and t == b"", t
        p = pod("two", "x", containers=[{"name": "a", "image": "example/never:1"},
                                        {"name": "b", "image": "example/never:1"}])
        s.req("POST", NS + "/pods", p)
        st, _, o = s.req("GET", NS + "/pods/two/log")
        assert st == 400 and o["message"] == \
            "a container name must be specified for pod two, choose one of: [a b]", o
        wait(lambda: s.get(NS + "/pods/two")["status"]["phase"] == "Running")
        assert len([c for w in s.state()["pods"] if w["name"] == "two"
                    for c in w["containers"] if c["pid"]]) == 2
        c = s.conn()
        c.request("GET", NS + "/pods/envpod/log?follow=true",
                  headers={"Authorization": "Bearer " + s.token})
        r = c.getresponse()
        first = r.read1(4096)
        threading.Timer(0.3, lambda: s.req("DELETE", NS + "/pods/envpod?gracePeriodSeconds=0")).start()
        rest = r.read()
        c.close()
        return first.startswith(b"ip=") and rest == b""

    @check("httpGet readiness probe against a real HTTP server")
    def _():
        s.req("POST", NS + "/pods", pod("web", "x", containers=[{
            "name": "w", "image": "example/http:1",
            "ports": [{"containerPort": 8080}],
            "readinessProbe": {"httpGet": {"path": "/", "port": 8080},
                               "periodSeconds": 1}}]))
        return wait(lambda: s.get(NS + "/pods/web")["status"]["containerStatuses"][0]["ready"])

    @check("exec readiness probe follows its command's exit status")
    def _():
        s.req("POST", NS + "/pods", pod("ex", "x", containers=[{
            "name": "e", "image": "example/never:1",
            "readinessProbe": {"exec": {"command": ["test", "-e", flag]},
                               "periodSeconds": 1, "failureThreshold": 1}}]))

        def ready():
            return s.get(NS + "/pods/ex")["status"]["containerStatuses"][0]["ready"]
        assert wait(lambda: s.get(NS + "/pods/ex")["status"]["phase"] == "Running")
        time.sleep(0.3)
        assert not ready()
        open(flag, "w").close()
        assert wait(ready), "not ready with the flag"
        os.unlink(flag)
        return wait(lambda: not ready())

    @check("liveness probe failures restart the container")
    def _():
        s.req("POST", NS + "/pods", pod("live", "x", containers=[{
            "name": "l", "image": "example/never:1",
            "livenessProbe": {"tcpSocket": {"port": 9}, "periodSeconds": 1,
                              "failureThreshold": 1}}]))
        return wait(lambda: s.get(NS + "/pods/live")["status"]["containerStatuses"][0]["restartCount"] >= 1)

    @check("startup probe gates readiness: started=false, not Ready, while it fails")
    def _():
        s.req("POST", NS + "/pods", pod("startup", "x", containers=[{
            "name": "s", "image": "example/never:1",
            "startupProbe": {"tcpSocket": {"port": 9}, "periodSeconds": 1}}]))
        wait(lambda: s.get(NS + "/pods/startup")["status"]["phase"] == "Running")
        time.sleep(0.5)
        cs = s.get(NS + "/pods/startup")["status"]["containerStatuses"][0]
        return cs["started"] is False and cs["ready"] is False and "running" in cs["state"]

    @check("restartPolicy Never: exit 0 -> Succeeded, exit 3 -> Failed with exitCode 3")
    def _():
        s.req("POST", NS + "/pods", pod("ok0", "example/exit0:1", restart="Never"))
        s.req("POST", NS + "/pods", pod("bad3", "example/exit3:1", restart="Never"))
        assert wait(lambda: s.get(NS + "/pods/ok0")["status"]["phase"] == "Succeeded")
        assert wait(lambda: s.get(NS + "/pods/bad3")["status"]["phase"] == "Failed")
        cs = s.get(NS + "/pods/bad3")["status"]["containerStatuses"][0]
        return cs["state"]["terminated"]["exitCode"] == 3 and cs["restartCount"] == 0

    @check("a process that ignores SIGTERM is killed after the (scaled) grace period")
    def _():
        s.req("POST", NS + "/pods", pod("stub", "example/stubborn:1",
                                        terminationGracePeriodSeconds=20))
        wait(lambda: s.get(NS + "/pods/stub")["status"]["phase"] == "Running")
        pid = [c["pid"] for w in s.state()["pods"] if w["name"] == "stub"
               for c in w["containers"]][0]
        t0 = time.monotonic()
        st, _, o = s.req("DELETE", NS + "/pods/stub")
        assert st == 200 and o["metadata"]["deletionGracePeriodSeconds"] == 20, o
        time.sleep(0.5)
        # (Checked only when this process really woke before the grace.)
        assert time.monotonic() - t0 >= 0.9 or alive(pid), \
            "killed before the grace period (1 s scaled)"
        wait(lambda: s.req("GET", NS + "/pods/stub")[0] == 404)
        took = time.monotonic() - t0
        return not alive(pid) and 0.9 < took < 60

    @check("changing a pod's image restarts its container")
    def _():
        s.req("POST", NS + "/pods", pod("img", "example/never:1"))
        wait(lambda: s.get(NS + "/pods/img")["status"]["phase"] == "Running")
        s.req("PATCH", NS + "/pods/img", {"spec": {"containers": [
            {"name": "c", "image": "example/env:1"}]}},
            "application/strategic-merge-patch+json")
        return wait(lambda: s.get(NS + "/pods/img")["status"]["containerStatuses"][0]["restartCount"] == 1) \
            and s.get(NS + "/pods/img")["status"]["containerStatuses"][0]["image"] == "example/env:1"

    @check("pod spec changes other than images: 422 Forbidden")
    def _():
        st, _, o = s.req("PATCH", NS + "/pods/img", {"spec": {"restartPolicy": "Never"}},
                         "application/merge-patch+json")
        return st == 422 and "spec: Forbidden: pod updates may not change fields" in o["message"]

    @check("cluster-wide lists, fieldSelector status.phase")
    def _():
        o = s.get("/api/v1/pods?fieldSelector=status.phase%3DSucceeded")
        assert [p["metadata"]["name"] for p in o["items"]] == ["ok0"], o
        return s.get("/apis/apps/v1/deployments")["kind"] == "DeploymentList"

    # --------------------------------------------------------------- watch
    @check("watch: an object leaving the selector arrives as DELETED, entering as ADDED")
    def _():
        rv = s.get(NS + "/services")["metadata"]["resourceVersion"]
        s.req("POST", NS + "/services", {"metadata": {"name": "sel", "labels": {"w": "1"}},
                                        "spec": {"ports": [{"port": 1}]}})
        s.req("PATCH", NS + "/services/sel", {"metadata": {"labels": {"w": "2"}}},
              "application/merge-patch+json")
        s.req("PATCH", NS + "/services/sel", {"metadata": {"labels": {"w": "1"}}},
              "application/merge-patch+json")
        ev = s.watch(NS + f"/services?watch=1&resourceVersion={rv}&labelSelector=w%3D1&timeoutSeconds=1")
        return [e["type"] for e in ev] == ["ADDED", "DELETED", "ADDED"]

    @check("watch: BOOKMARKs only with allowWatchBookmarks, with the RV only")
    def _():
        ev = s.watch(NS + "/services?watch=1&resourceVersion=1&labelSelector=none&allowWatchBookmarks=true&timeoutSeconds=2")
        bm = [e for e in ev if e["type"] == "BOOKMARK"]
        assert len(bm) >= 2 and all(e["type"] == "BOOKMARK" for e in ev), ev
        o = bm[-1]["object"]
        assert o["kind"] == "Service" and o["metadata"]["resourceVersion"], o
        ev = s.watch(NS + "/services?watch=1&labelSelector=none&timeoutSeconds=1")
        return ev == []

    @check("watch: sendInitialEvents ends the replay with the initial-events-end BOOKMARK")
    def _():
        ev = s.watch(NS + "/services?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&labelSelector=w&timeoutSeconds=5",
                     until=lambda e: e[-1]["type"] == "BOOKMARK")
        assert [e["type"] for e in ev] == ["ADDED", "BOOKMARK"], ev
        assert ev[1]["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
        st, _, o = s.req("GET", NS + "/services?watch=1&sendInitialEvents=true")
        return st == 422

    def dropped(mode):
        """Drops a raw watch stream: -> (streams ended, bytes read, whether
        the read failed)."""
        out = {"data": b"", "err": False}

        def run():
            sock = s.ctx().wrap_socket(socket.create_connection(
                ("127.0.0.1", s.port), 10), server_hostname="127.0.0.1")
            sock.sendall(f"GET {NS}/services?watch=1&labelSelector=w&"
                         f"timeoutSeconds=30 HTTP/1.1\r\nHost: x\r\n"
                         f"Authorization: Bearer {s.token}\r\n\r\n".encode())
            try:
                while True:
                    b = sock.recv(65536)
                    if not b:
                        break
                    out["data"] += b
            except OSError:
                out["err"] = True
            sock.close()
        t = threading.Thread(target=run)
        t.start()
        wait(lambda: s.state()["watchers"] >= 1)
        time.sleep(0.2)
        n = s.control("POST", "/sim/watch/drop", {"mode": mode})[2]["ended"]
        t.join(10)
        return n, out

    @check("/sim/watch/drop end: streams end cleanly (the final chunk)")
    def _():
        n, out = dropped("end")
        return n >= 1 and not out["err"] and \
            out["data"].endswith(b"\r\n0\r\n\r\n") and b'"ADDED"' in out["data"]

    @check("/sim/watch/drop expire: an ERROR 410 event, then the end")
    def _():
        n, out = dropped("expire")
        return b'{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1",' \
            b'"metadata":{},"status":"Failure","message":"too old resource ' \
            b'version: ' in out["data"] and b'"reason":"Expired","code":410}}\n' \
            b'\r\n0\r\n\r\n' in out["data"]

    @check("/sim/watch/drop reset: the connection just ends, no final chunk")
    def _():
        n, out = dropped("reset")
        return n >= 1 and b'"ADDED"' in out["data"] and \
            not out["data"].endswith(b"0\r\n\r\n")

    @check("a continue token older than the compaction floor: 410 Expired")
    def _():
        o = s.get(NS + "/pods?limit=1")
        s.req("POST", NS + "/services", {"metadata": {"name": "after-list"},
                                         "spec": {"ports": [{"port": 1}]}})
        s.control("POST", "/sim/compact")
        st, _, e = s.req("GET", NS + "/pods?limit=1&continue=" + o["metadata"]["continue"])
        return st == 410 and e["reason"] == "Expired"

    @check("Table output (Accept as=Table): columns, rows, partial object metadata")
    def _():
        st, _, o = s.req("GET", NS + "/pods/web", headers={
            "Accept": "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"})
        cols = [c["name"] for c in o["columnDefinitions"]]
        return o["kind"] == "Table" and cols[:5] == ["Name", "Ready", "Status", "Restarts", "Age"] \
            and o["rows"][0]["cells"][:3] == ["web", "1/1", "Running"] and \
            o["rows"][0]["object"]["kind"] == "PartialObjectMetadata"

    # ------------------------------------------------------- port-forward
    @check("port-forward of two ports: four channels, data from the second port on channel 2")
    def _():
        import asyncio
        import websockets
        s.req("POST", NS + "/pods", pod("pf2", "x", containers=[{
            "name": "c", "image": "example/app:1",
            "ports": [{"containerPort": 6000}, {"containerPort": 6001}]}]))
        wait(lambda: s.get(NS + "/pods/pf2")["status"]["containerStatuses"][0]["ready"])

        async def go():
            ws = await websockets.connect(
                s.url.replace("https", "wss") + NS + "/pods/pf2/portforward?ports=6000,6001",
                subprotocols=["v4.channel.k8s.io"], ssl=s.ctx(),
                extra_headers={"Authorization": "Bearer " + s.token})
            msgs = [await asyncio.wait_for(ws.recv(), 5) for _ in range(4)]
            pong = await ws.ping(b"hi")
            await asyncio.wait_for(pong, 5)
            data = {}
            while len(data) < 2:
                m = await asyncio.wait_for(ws.recv(), 5)
                data[m[0]] = m[1:]
            await ws.send(b"\x02abc")
            echo = await asyncio.wait_for(ws.recv(), 5)
            await ws.close()
            return msgs, data, echo
        msgs, data, echo = asyncio.run(go())
        assert msgs == [b"\x00\x70\x17", b"\x01\x70\x17", b"\x02\x71\x17",
                        b"\x03\x71\x17"], msgs
        return data == {0: b"RFB 003.008\n", 2: b"RFB 003.008\n"} and echo == b"\x02abc"

    @check("port-forward before the upgrade: 404 missing pod, 400 no IP, 400 no ports, 400 bare channel.k8s.io")
    def _():
        hdr = {"Connection": "Upgrade", "Upgrade": "websocket",
               "Sec-WebSocket-Version": "13",
               "Sec-WebSocket-Key": base64.b64encode(b"0123456789abcdef").decode(),
               "Sec-WebSocket-Protocol": "v4.channel.k8s.io"}
        assert s.req("GET", NS + "/pods/nope/portforward?ports=1", headers=hdr)[0] == 404
        d = deployment("noip", image="x")
        d["spec"]["template"]["spec"]["volumes"] = [
            {"name": "h", "persistentVolumeClaim": {"claimName": "missing"}}]
        s.req("POST", APPS + "/deployments", d)
        name = wait(lambda: s.get(NS + "/pods?labelSelector=app%3Dnoip")["items"][0]["metadata"]["name"])
        st, _, o = s.req("GET", NS + f"/pods/{name}/portforward?ports=1", headers=hdr)
        assert st == 400 and "does not have a host assigned" in o["message"], o
        st, _, o = s.req("GET", NS + "/pods/web/portforward", headers=hdr)
        assert st == 400 and o["message"] == 'query parameter "port" is required', o
        st, _, o = s.req("GET", NS + "/pods/web/portforward?ports=8080",
                         headers=dict(hdr, **{"Sec-WebSocket-Protocol": "channel.k8s.io"}))
        return st == 400

    # ------------------------------------------------------------- faults
    @check("fault skip + query_regex: only the matching request after N is hit")
    def _():
        s.control("POST", "/sim/faults", {"method": "GET", "path_regex": "/services$",
                                          "query_regex": "labelSelector=zz", "status": 503,
                                          "skip": 1, "count": 1})
        a = s.req("GET", NS + "/services?labelSelector=zz")[0]
        b = s.req("GET", NS + "/services")[0]
        c = s.req("GET", NS + "/services?labelSelector=zz")[0]
        d = s.req("GET", NS + "/services?labelSelector=zz")[0]
        return (a, b, c, d) == (200, 200, 503, 200)

    @check("fault delay_ms delays; GET/DELETE /sim/faults list and remove rules")
    def _():
        fid = s.control("POST", "/sim/faults", {"path_regex": "/services$",
                                                "delay_ms": 400})[2]["ids"][0]
        t0 = time.monotonic()
        s.req("GET", NS + "/services")
        took = time.monotonic() - t0
        fl = s.control("GET", "/sim/faults")[2]["faults"]
        assert any(f["id"] == fid and f["hits"] == 1 for f in fl), fl
        s.control("DELETE", f"/sim/faults/{fid}")
        return took >= 0.4 and s.control("GET", "/sim/faults")[2]["faults"] == []

    @check("fault drop before: no answer at all, nothing written")
    def _():
        s.control("POST", "/sim/faults", {"method": "POST", "path_regex": "/services$",
                                          "drop": "before", "count": 1})
        try:
            s.req("POST", NS + "/services", {"metadata": {"name": "dropped"},
                                             "spec": {"ports": [{"port": 1}]}})
            return False
        except (ConnectionError, http.client.HTTPException, OSError):
            pass
        return s.req("GET", NS + "/services/dropped")[0] == 404

    @check("the request log records faults, auth and bodies; never the token")
    def _():
        s.req("GET", NS + "/pods", token="wrong")
        log = s.control("GET", "/sim/requests")[2]["requests"]
        assert any(e["auth"] == "invalid" and e["status"] == 401 for e in log)
        assert any(e.get("fault") and e["status"] == 503 for e in log)
        return s.token not in json.dumps(log)

    # ------------------------------------------------------ tokens and CA
    @check("/sim/tokens without write: the files stay, the set changes")
    def _():
        old = s.token
        s.control("POST", "/sim/tokens", {"tokens": ["t1", "t2"]})
        ok = s.req("GET", "/api", token="t2")[0] == 200 and \
            s.req("GET", "/api", token=old)[0] == 401 and s.read("token") == old
        s.control("POST", "/sim/tokens", {"tokens": [old]})
        return ok

    @check("/sim/ca/rotate: a new CA for new connections; the old CA no longer verifies")
    def _():
        old_ca = os.path.join(s.dir, "old-ca.crt")
        shutil.copy(s.path("ca.crt"), old_ca)
        s.control("POST", "/sim/ca/rotate")
        assert open(s.path("ca.crt")).read() != open(old_ca).read()
        assert open(s.path("serviceaccount/ca.crt")).read() == open(s.path("ca.crt")).read()
        try:
            c = s.conn(ca=old_ca)
            c.request("GET", "/version")
            c.getresponse()
            return False
        except ssl.SSLCertVerificationError:
            pass
        return s.req("GET", "/version")[0] == 200

    @check("plain HTTP (--plain) works too, with the same tokens")
    def _():
        p = subprocess.Popen([PY, KS, "--plain", "--state-dir",
                              os.path.join(s.dir, "plain"), "--token", "tok"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            url = os.path.join(s.dir, "plain", "url")
            wait(lambda: os.path.exists(url))
            port = int(open(os.path.join(s.dir, "plain", "port")).read())
            assert open(url).read().startswith("http://127.0.0.1:")
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            c.request("GET", "/api/v1", headers={"Authorization": "Bearer tok"})
            r = c.getresponse()
            return r.status == 200 and json.loads(r.read())["kind"] == "APIResourceList"
        finally:
            p.terminate()
            p.wait(15)

    @check("kube-sim killed with SIGKILL: its pods' processes die with it")
    def _():
        if not shutil.which("setpriv"):
            return True
        d = os.path.join(s.dir, "killed")
        p = subprocess.Popen([PY, KS, "--state-dir", d],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait(lambda: os.path.exists(os.path.join(d, "url")))
            k = Sim.__new__(Sim)
            k.d, k.dir = d, s.dir
            k.port, k.token = int(k.read("port")), k.read("token")
            k.admin = k.read("admin-token")
            k.req("POST", NS + "/pods", pod("victim", "example/app:1"))
            pid = wait(lambda: [c["pid"] for w in k.state()["pods"]
                                for c in w["containers"] if c["pid"]])[0]
        finally:
            p.kill()
            p.wait()
        return wait(lambda: not alive(pid))

    @check("TCP: kube-sim listens on 127.0.0.1 only")
    def _():
        addrs = [a for a in socket.getaddrinfo(socket.gethostname(), s.port,
                                               socket.AF_INET)
                 if not a[4][0].startswith("127.")]
        for a in addrs:
            try:
                socket.create_connection(a[4], 1).close()
                return False
            except OSError:
                pass
        return True


if __name__ == "__main__":
    sys.exit(main())
