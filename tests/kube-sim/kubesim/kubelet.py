"""kubelet.py - the "node": one worker thread per pod that schedules it
(claims must exist and be bound; a ReadWriteOncePod claim serves one pod
at a time), gives it its own loopback IP, runs each container as a real
process (/bin/sh -c COMMAND in its own process group, output to a
per-container log file, its mounts' host directories in SIM_MOUNTS),
runs readiness/liveness/startup probes for real,
restarts exited containers with CrashLoopBackOff back-off, fails pulls of
"bad" images (ErrImagePull -> ImagePullBackOff), and on deletion stops
the processes (SIGTERM, grace, SIGKILL) before removing the pod.  Every
process it starts it also kills: shutdown() leaves nothing running."""
import fnmatch
import http.client
import ipaddress
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import threading
import time

from .meta import timestamp

NODE = "kube-sim-node"
TICK = 0.05
SETPRIV = shutil.which("setpriv")


class Kubelet:
    def __init__(self, sim):
        self.sim, self.store, self.opts = sim, sim.store, sim.opts
        self.lock = threading.Lock()
        self.workers = {}
        self.bad_images = set(self.opts.bad_image or [])
        self.image_map = []
        for spec in self.opts.image_map or []:
            image, _, cmd = spec.partition("=")
            self.image_map.append((image, cmd))
        self.net = pod_network(self.opts.pod_network)
        self.ip_next = 2
        self.ips, self.displays = set(), set()
        self.claim_holders = {}     # (ns, ReadWriteOncePod claim) -> pod
        self.stopping = False

    # ----------------------------------------------------------- workers

    def sync(self):
        """Starts a worker for every pod that has none (controller loop).
        Lock order: the store's lock is never taken while holding ours."""
        pods = self.store.items("pods")
        with self.lock:
            if self.stopping:
                return
            for uid in [u for u, w in self.workers.items() if not w.is_alive()]:
                del self.workers[uid]
            for pod in pods:
                uid = pod["metadata"]["uid"]
                if uid not in self.workers:
                    w = PodWorker(self, pod)
                    self.workers[uid] = w
                    w.start()

    def shutdown(self):
        with self.lock:
            self.stopping = True
            workers = list(self.workers.values())
        for w in workers:
            w.join(timeout=10)
        for w in workers:
            w.kill_all(0)

    def worker(self, ns, name):
        with self.lock:
            for w in self.workers.values():
                if w.ns == ns and w.name == name and w.is_alive():
                    return w
        return None

    def crash(self, ns, name, sig="KILL"):
        w = self.worker(ns, name)
        if w is None:
            return False
        signum = getattr(signal, "SIG" + sig.upper().removeprefix("SIG"))
        return any(c.signal(signum) for c in w.containers)

    def view(self):
        with self.lock:
            ws = [w for w in self.workers.values() if w.is_alive()]
        return [w.view() for w in ws]

    # ------------------------------------------------------- allocation

    def alloc_ip(self, ports):
        """The next free address of the pod network on which all ports
        can be bound (another kube-sim may use the same range)."""
        with self.lock:
            hosts = self.net.num_addresses - 2
            for _ in range(hosts):
                n = self.ip_next
                self.ip_next = self.ip_next + 1 if self.ip_next < hosts else 2
                ip = str(self.net.network_address + n)
                if ip in self.ips or not bindable(ip, ports):
                    continue
                self.ips.add(ip)
                return ip
            return None

    def release_ip(self, ip):
        with self.lock:
            self.ips.discard(ip)

    def hold_claim(self, ns, name, uid):
        """A ReadWriteOncePod claim for pod uid: True if it has it now."""
        with self.lock:
            holder = self.claim_holders.setdefault((ns, name), uid)
            return holder == uid

    def release_claims(self, uid):
        with self.lock:
            for k in [k for k, v in self.claim_holders.items() if v == uid]:
                del self.claim_holders[k]

    def alloc_display(self):
        with self.lock:
            for n in range(20, 1000):
                if n in self.displays or os.path.exists(f"/tmp/.X{n}-lock") \
                        or os.path.exists(f"/tmp/.X11-unix/X{n}"):
                    continue
                self.displays.add(n)
                return n
            return None

    def release_display(self, n):
        with self.lock:
            self.displays.discard(n)

    def command_for(self, image):
        for pattern, cmd in self.image_map:
            if image == pattern or fnmatch.fnmatchcase(image, pattern):
                return cmd
        return None

    def scaled(self, seconds):
        return seconds * self.opts.time_scale


def pod_network(spec):
    if spec and spec != "auto":
        return ipaddress.ip_network(spec)
    # A random /24 in 127/8 (not 127.0.0.x, not 127.0.1.x: Debian maps the
    # host name there), so parallel kube-sims rarely meet.
    return ipaddress.ip_network(f"127.{random.randint(2, 254)}."
                                f"{random.randint(0, 255)}.0/24")


def bindable(ip, ports):
    for p in ports or [0]:
        s = socket.socket()
        try:
            s.bind((ip, p))
        except OSError:
            return False
        finally:
            s.close()
    return True


def _cond(typ, ok, since, reason=None, message=None):
    c = {"type": typ, "status": "True" if ok else "False",
         "lastProbeTime": None, "lastTransitionTime": since}
    if reason:
        c["reason"] = reason
    if message:
        c["message"] = message
    return c


class PodWorker(threading.Thread):
    def __init__(self, kubelet, pod):
        md = pod["metadata"]
        super().__init__(name=f"pod-{md['namespace']}/{md['name']}",
                         daemon=True)
        self.kl = kubelet
        self.ns, self.name, self.uid = md["namespace"], md["name"], md["uid"]
        self.ip = None
        self.display = None
        self.start_time = None
        self.scheduled = False
        self.sched_problem = None
        self.transitions = {}
        self.containers = [Container(self, c)
                           for c in pod["spec"].get("containers", [])]

    # --------------------------------------------------------------- loop

    def run(self):
        try:
            while not self.kl.stopping:
                pod = self.kl.store.get("pods", self.ns, self.name)
                if pod is None or pod["metadata"]["uid"] != self.uid:
                    return
                if pod["metadata"].get("deletionTimestamp"):
                    self.terminate(pod)
                    return
                self.step(pod)
                time.sleep(TICK)
        except Exception as e:  # noqa: BLE001 - one pod's bug ends one pod
            self.kl.sim.log(f"pod {self.ns}/{self.name}: worker failed: {e!r}")
        finally:
            self.kill_all(0)
            self.kl.release_claims(self.uid)
            shutil.rmtree(self.kl.sim.pod_volume_dir(self.ns, self.name, ""),
                          ignore_errors=True)
            if self.ip:
                self.kl.release_ip(self.ip)
            if self.display is not None:
                self.kl.release_display(self.display)

    def step(self, pod):
        now = time.monotonic()
        if not self.scheduled:
            self.schedule(pod)
            if not self.scheduled:
                self.publish(pod)
                return
        for c in self.containers:
            c.spec = next((x for x in pod["spec"]["containers"]
                           if x.get("name") == c.name), c.spec)
            c.step(now, pod)
        self.publish(pod)

    def claim_problem(self, pod):
        """Why the pod's claims keep it from this node, as the scheduler
        says it, or None.  The one node may mount a ReadWriteOnce claim
        for any number of pods (that is the real rule); a ReadWriteOncePod
        one for one pod at a time."""
        for v in pod["spec"].get("volumes") or []:
            name = (v.get("persistentVolumeClaim") or {}).get("claimName")
            if not isinstance(name, str):
                continue
            c = self.kl.store.get("persistentvolumeclaims", self.ns, name)
            if c is None:
                return (f'0/1 nodes are available: persistentvolumeclaim '
                        f'"{name}" not found. preemption: 0/1 nodes are '
                        f'available: 1 Preemption is not helpful for '
                        f'scheduling.')
            if c["metadata"].get("deletionTimestamp"):
                return (f'0/1 nodes are available: persistentvolumeclaim '
                        f'"{name}" is being deleted. preemption: 0/1 nodes '
                        f'are available: 1 Preemption is not helpful for '
                        f'scheduling.')
            if (c.get("status") or {}).get("phase") != "Bound":
                return ("0/1 nodes are available: pod has unbound immediate "
                        "PersistentVolumeClaims. preemption: 0/1 nodes are "
                        "available: 1 Preemption is not helpful for "
                        "scheduling.")
            if "ReadWriteOncePod" in c["spec"].get("accessModes", []) and \
                    not self.kl.hold_claim(self.ns, name, self.uid):
                return ("0/1 nodes are available: 1 node has pod using "
                        "PersistentVolumeClaim with the same name and "
                        "ReadWriteOncePod access mode. preemption: 0/1 nodes "
                        "are available: 1 No preemption victims found for "
                        "incoming pod.")
        return None

    def schedule(self, pod):
        self.sched_problem = self.claim_problem(pod)
        if self.sched_problem:
            return
        ports = [p.get("containerPort") for c in pod["spec"]["containers"]
                 for p in c.get("ports") or [] if p.get("containerPort")]
        self.ip = self.kl.alloc_ip(ports)
        if self.ip is None:
            self.sched_problem = ("0/1 nodes are available: 1 Insufficient "
                                  "pod IP addresses.")
            return
        self.sched_problem = None
        self.scheduled = True
        self.start_time = timestamp()

        def bind(obj):
            obj["spec"]["nodeName"] = NODE
            return obj
        self.kl.store.mutate("pods", self.ns, self.name, bind, self.uid)

    # ------------------------------------------------------------- status

    def _since(self, typ, ok):
        prev = self.transitions.get(typ)
        if prev is None or prev[0] != ok:
            self.transitions[typ] = (ok, timestamp())
        return self.transitions[typ][1]

    def status(self, pod):
        st = {"qosClass": pod.get("status", {}).get("qosClass", "BestEffort")}
        if not self.scheduled:
            st["phase"] = "Pending"
            st["conditions"] = [_cond("PodScheduled", False, self._since(
                "PodScheduled", False), "Unschedulable", self.sched_problem)]
            return st
        started_all = all(c.ever_started for c in self.containers)
        final = [c for c in self.containers if c.final_exit is not None]
        if final and len(final) == len(self.containers):
            st["phase"] = "Succeeded" if all(c.final_exit == 0 for c in final) \
                else "Failed"
        else:
            st["phase"] = "Running" if started_all else "Pending"
        unready = [c.name for c in self.containers if not c.ready]
        ready = not unready
        msg = f"containers with unready status: [{' '.join(unready)}]"
        st["conditions"] = [
            _cond("PodReadyToStartContainers", True,
                  self._since("PodReadyToStartContainers", True)),
            _cond("Initialized", True, self._since("Initialized", True)),
            _cond("Ready", ready, self._since("Ready", ready),
                  None if ready else "ContainersNotReady",
                  None if ready else msg),
            _cond("ContainersReady", ready, self._since("ContainersReady", ready),
                  None if ready else "ContainersNotReady",
                  None if ready else msg),
            _cond("PodScheduled", True, self._since("PodScheduled", True))]
        st["hostIP"] = "127.0.0.1"
        st["hostIPs"] = [{"ip": "127.0.0.1"}]
        st["podIP"] = self.ip
        st["podIPs"] = [{"ip": self.ip}]
        st["startTime"] = self.start_time
        st["containerStatuses"] = [c.status() for c in self.containers]
        return st

    def publish(self, pod):
        st = self.status(pod)
        if st == pod.get("status"):
            return

        def put(obj):
            if obj.get("status") == st:
                return None
            obj["status"] = st
            return obj
        self.kl.store.mutate("pods", self.ns, self.name, put, self.uid)

    # -------------------------------------------------------- termination

    def terminate(self, pod):
        grace = self.kl.scaled(pod["metadata"].get("deletionGracePeriodSeconds")
                               or 0)
        self.kill_all(grace)
        for c in self.containers:
            if c.last_term is not None and c.final_exit is None:
                c.final_exit = c.last_term["terminated"]["exitCode"]
        self.publish(pod)

        def finish(obj):
            obj["metadata"]["deletionGracePeriodSeconds"] = 0
            return obj
        self.kl.store.mutate("pods", self.ns, self.name, finish, self.uid)

    def kill_all(self, grace):
        for c in self.containers:
            c.signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for c in self.containers:
            c.wait(max(0, deadline - time.monotonic()))
        for c in self.containers:
            c.kill()

    def view(self):
        return {"namespace": self.ns, "name": self.name, "uid": self.uid,
                "ip": self.ip, "display": self.display,
                "containers": [c.view() for c in self.containers]}


class Container:
    """One container of a pod: its process, back-off and probe state."""

    def __init__(self, worker, spec):
        self.w, self.kl = worker, worker.kl
        self.spec, self.name = spec, spec.get("name", "")
        self.proc = None
        self.image = None
        self.ever_started = False
        self.started_at = None
        self.started_mono = 0
        self.restarts = 0
        self.last_term = None
        self.final_exit = None
        self.waiting = ("ContainerCreating", None)
        self.backoff_until = 0
        self.crashes = 0
        self.pull_failures = 0
        self.ready = False
        self.started = False
        self.container_id = None
        self.probe_state = {}

    def log_path(self):
        return self.kl.sim.pod_log(self.w.ns, self.w.name, self.name)

    # ---------------------------------------------------------- lifecycle

    def step(self, now, pod):
        if self.proc is not None:
            if self.spec.get("image") != self.image:
                self.kill()
                self.waiting = ("ContainerCreating", None)
            elif self.proc.poll() is not None:
                self.exited(now, pod)
            else:
                self.probe_all(now)
            return
        if self.final_exit is not None or now < self.backoff_until:
            return
        image = self.spec.get("image", "")
        if image in self.kl.bad_images:
            if self.waiting and self.waiting[0] == "ErrImagePull":
                delay = min(self.kl.opts.backoff_max, self.kl.opts.backoff *
                            2 ** min(self.pull_failures - 1, 16))
                self.waiting = ("ImagePullBackOff",
                                f'Back-off pulling image "{image}"')
                self.backoff_until = now + self.kl.scaled(delay)
            else:
                self.pull_failures += 1
                self.waiting = ("ErrImagePull", f'failed to pull and unpack '
                                f'image "{image}": failed to resolve reference '
                                f'"{image}": {image}: not found')
                self.backoff_until = now + self.kl.scaled(2)
            return
        self.pull_failures = 0
        self.start(now, pod)

    def start(self, now, pod):
        ports = [p.get("containerPort") for p in self.spec.get("ports") or []
                 if p.get("containerPort")]
        if self.w.display is None:
            self.w.display = self.kl.alloc_display()
        cmd = self.kl.command_for(self.spec.get("image", ""))
        if cmd is None:
            cmd = self.kl.sim.default_pod_command()
        subst = {"{ip}": self.w.ip, "{port}": str(ports[0] if ports else 0),
                 "{ports}": ",".join(str(p) for p in ports) or "0",
                 "{display}": str(self.w.display), "{pod}": self.w.name,
                 "{namespace}": self.w.ns, "{container}": self.name,
                 "{statedir}": self.kl.sim.state_dir}
        for k, v in subst.items():
            cmd = cmd.replace(k, v)
        mounts = self.mounts(pod)
        cmd = re.sub(r"\{mount:([^}]*)\}",
                     lambda m: mounts.get(m.group(1), "/nonexistent"), cmd)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
               "HOME": os.environ.get("HOME", "/"), "LANG": "C.UTF-8",
               "HOSTNAME": self.w.name, "POD_NAME": self.w.name,
               "POD_NAMESPACE": self.w.ns, "POD_IP": self.w.ip,
               "KUBERNETES_SERVICE_HOST": "127.0.0.1",
               "KUBERNETES_SERVICE_PORT": str(self.kl.sim.port),
               "SIM_MOUNTS": ":".join(f"{k}={v}" for k, v in
                                      sorted(mounts.items()))}
        fields = {"metadata.name": self.w.name, "metadata.namespace": self.w.ns,
                  "status.podIP": self.w.ip, "spec.nodeName": NODE,
                  "metadata.uid": self.w.uid}
        for e in self.spec.get("env") or []:
            if "value" in e:
                env[e["name"]] = str(e["value"])
            elif ((e.get("valueFrom") or {}).get("fieldRef") or {}).get(
                    "fieldPath") in fields:
                env[e["name"]] = fields[e["valueFrom"]["fieldRef"]["fieldPath"]]
        self.kl.sim.log(f"pod {self.w.ns}/{self.w.name}: start container "
                        f"{self.name} on {self.w.ip}: {cmd}")
        argv = ["/bin/sh", "-c", cmd]
        if SETPRIV:
            # Dies with its pod's thread, so with kube-sim even on SIGKILL.
            argv = [SETPRIV, "--pdeathsig", "KILL", "--"] + argv
        with open(self.log_path(), "ab") as log:
            self.proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, env=env, start_new_session=True,
                cwd=self.kl.sim.state_dir)
        if self.ever_started:
            self.restarts += 1
        self.image = self.spec.get("image")
        self.ever_started = True
        self.started_at = timestamp()
        self.started_mono = now
        self.container_id = "containerd://%064x" % random.getrandbits(256)
        self.waiting = None
        self.probe_state = {}
        self.started = "startupProbe" not in self.spec
        self.ready = self.started and "readinessProbe" not in self.spec

    def mounts(self, pod):
        """The container's volumeMounts as host directories: a claim's
        volume (made by the controller when it bound the claim), or an
        emptyDir of this pod.  Other volume kinds are not mounted."""
        volumes = {v.get("name"): v for v in pod["spec"].get("volumes") or []}
        out = {}
        for m in self.spec.get("volumeMounts") or []:
            v = volumes.get(m.get("name")) or {}
            claim = (v.get("persistentVolumeClaim") or {}).get("claimName")
            if claim:
                c = self.kl.store.get("persistentvolumeclaims", self.w.ns,
                                      claim)
                if c is None:
                    continue
                path = self.kl.sim.volume_dir(
                    c["spec"].get("volumeName") or "pvc-" +
                    c["metadata"]["uid"])
            elif "emptyDir" in v:
                path = self.kl.sim.pod_volume_dir(self.w.ns, self.w.name,
                                                  v["name"])
                os.makedirs(path, exist_ok=True)
            else:
                continue
            out[m.get("mountPath")] = path
        return out

    def exited(self, now, pod):
        code = self.kill()
        policy = pod["spec"].get("restartPolicy", "Always")
        if policy == "Never" or (policy == "OnFailure" and code == 0):
            self.final_exit = code
            return
        if now - self.started_mono > self.kl.scaled(600):
            self.crashes = 0
        self.crashes += 1
        if self.crashes == 1:
            self.waiting = ("ContainerCreating", None)
            return
        delay = min(self.kl.opts.backoff_max,
                    self.kl.opts.backoff * 2 ** (self.crashes - 2))
        self.backoff_until = now + self.kl.scaled(delay)
        self.waiting = ("CrashLoopBackOff", f"back-off {int(delay)}s restarting "
                        f"failed container={self.name} pod={self.w.name}_"
                        f"{self.w.ns}({self.w.uid})")

    def signal(self, signum):
        if self.proc is None or self.proc.poll() is not None:
            return False
        try:
            os.killpg(self.proc.pid, signum)
        except ProcessLookupError:
            return False
        return True

    def wait(self, timeout):
        if self.proc is not None:
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass

    def kill(self):
        """SIGKILL to the whole process group (also what the shell left);
        records the termination; -> the exit code (None: nothing ran)."""
        if self.proc is None:
            return None
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        rc = self.proc.wait()
        code = 128 - rc if rc < 0 else rc
        self.last_term = {"terminated": {
            "exitCode": code, "reason": "Completed" if code == 0 else "Error",
            "startedAt": self.started_at, "finishedAt": timestamp(),
            "containerID": self.container_id}}
        self.proc = None
        self.ready = self.started = False
        return code

    # ------------------------------------------------------------- probes

    def probe_all(self, now):
        if not self.started:
            if self.probe("startupProbe", now) is True:
                self.started = True
                self.ready = "readinessProbe" not in self.spec
            return
        if self.probe("livenessProbe", now) is False:
            self.signal(signal.SIGKILL)
            return
        r = self.probe("readinessProbe", now)
        if r is not None:
            self.ready = r

    def probe(self, kind, now):
        """Runs the probe when due; -> None (no verdict yet) or the state
        after success/failure thresholds."""
        p = self.spec.get(kind)
        if not p:
            return None
        ps = self.probe_state.setdefault(kind, {
            "next": now + self.kl.scaled(p.get("initialDelaySeconds", 0)),
            "ok": 0, "fail": 0, "verdict": None})
        if now < ps["next"]:
            return ps["verdict"]
        ps["next"] = now + max(self.kl.scaled(p.get("periodSeconds", 10)), TICK)
        if self.run_probe(p):
            ps["ok"], ps["fail"] = ps["ok"] + 1, 0
            if ps["ok"] >= p.get("successThreshold", 1):
                ps["verdict"] = True
        else:
            ps["ok"], ps["fail"] = 0, ps["fail"] + 1
            if ps["fail"] >= p.get("failureThreshold", 3) or \
                    (kind == "readinessProbe" and ps["verdict"] is None):
                ps["verdict"] = False
        return ps["verdict"]

    def resolve_port(self, port):
        if isinstance(port, int):
            return port
        for cp in self.spec.get("ports") or []:
            if cp.get("name") == port:
                return cp.get("containerPort")
        return None

    def run_probe(self, p):
        timeout = min(p.get("timeoutSeconds", 1), 2)
        if "tcpSocket" in p:
            port = self.resolve_port(p["tcpSocket"].get("port"))
            if not port:
                return False
            try:
                socket.create_connection((self.w.ip, port), timeout).close()
                return True
            except OSError:
                return False
        if "httpGet" in p:
            port = self.resolve_port(p["httpGet"].get("port"))
            if not port:
                return False
            try:
                c = http.client.HTTPConnection(self.w.ip, port, timeout=timeout)
                c.request("GET", p["httpGet"].get("path", "/"))
                ok = 200 <= c.getresponse().status < 400
                c.close()
                return ok
            except (OSError, http.client.HTTPException):
                return False
        if "exec" in p:
            try:
                return subprocess.run(
                    p["exec"].get("command") or ["false"], timeout=timeout,
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    cwd=self.kl.sim.state_dir).returncode == 0
            except (OSError, subprocess.TimeoutExpired):
                return False
        return False

    # ------------------------------------------------------------- status

    def status(self):
        if self.proc is not None:
            state = {"running": {"startedAt": self.started_at}}
        elif self.final_exit is not None:
            state = self.last_term
        else:
            reason, message = self.waiting or ("ContainerCreating", None)
            state = {"waiting": {"reason": reason}}
            if message:
                state["waiting"]["message"] = message
        image = self.spec.get("image", "")
        st = {"name": self.name, "state": state,
              "lastState": self.last_term if self.final_exit is None and
              self.last_term else {},
              "ready": self.ready, "restartCount": self.restarts,
              "image": image, "imageID": "", "started": bool(
                  self.proc is not None and self.started)}
        if self.ever_started:
            st["imageID"] = image.split(":")[0] + "@sha256:" + "0" * 64
            st["containerID"] = self.container_id
        return st

    def view(self):
        return {"name": self.name,
                "pid": self.proc.pid if self.proc is not None and
                self.proc.poll() is None else None,
                "restarts": self.restarts, "ready": self.ready,
                "log": self.log_path()}
