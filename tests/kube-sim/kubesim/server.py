"""server.py - one running kube-sim: the state directory (throw-away CA
and server certificate made with openssl, kubeconfig, in-cluster
serviceaccount files, tokens, url/port written last), the HTTPS (or
plain HTTP) listener on 127.0.0.1 with TLS done in the connection's own
thread, and start/stop of the controller and kubelet.  stop() ends every
pod process."""
import base64
import os
import secrets
import shlex
import ssl
import subprocess
import sys
import threading
import time
from http.server import ThreadingHTTPServer

from . import api, control, kubelet, objects, store
from .controller import Controller
from .meta import RESOURCES, timestamp

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TLS_HANDSHAKE_TIMEOUT = 10


class HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, sim, port):
        self.sim = sim
        super().__init__(("127.0.0.1", port), api.Handler)

    def finish_request(self, request, client_address):
        """Runs in the connection's thread: a slow TLS client never holds
        up accept()."""
        conn = request
        ctx = self.sim.ssl_ctx
        if ctx is not None:
            request.settimeout(TLS_HANDSHAKE_TIMEOUT)
            try:
                conn = ctx.wrap_socket(request, server_side=True)
            except (OSError, ssl.SSLError):
                request.close()
                return
            conn.settimeout(None)
        try:
            self.RequestHandlerClass(conn, client_address, self)
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        self.sim.log(f"http {client_address[0]}: connection error: "
                     f"{sys.exc_info()[1]!r}")


class Sim:
    def __init__(self, opts):
        self.opts = opts
        self.state_dir = os.path.abspath(opts.state_dir)
        os.makedirs(self.path("pods"), exist_ok=True)
        os.makedirs(self.path("volumes"), exist_ok=True)
        self.log_lock = threading.Lock()
        self.logf = open(opts.log, "a", buffering=1) if opts.log else sys.stderr
        self.namespace = opts.namespace
        self.store = store.Store(opts.history)
        self.alloc = objects.Allocator()
        self.tokens = frozenset(opts.token or [secrets.token_urlsafe(24)])
        self.first_token = (opts.token or sorted(self.tokens))[0]
        self.admin_token = secrets.token_urlsafe(24)
        self.faults = control.Faults()
        self.reqlog = control.RequestLog()
        self.kubelet = kubelet.Kubelet(self)
        self.controller = Controller(self)
        self.ssl_ctx = None
        self.httpd = None
        self.port = None
        self.stopping = False
        self.started = timestamp()

    def path(self, *parts):
        return os.path.join(self.state_dir, *parts)

    def log(self, msg):
        with self.log_lock:
            t = time.strftime("%H:%M:%S")
            try:
                self.logf.write(f"{t} kube-sim: {msg}\n")
                self.logf.flush()
            except (OSError, ValueError):
                pass

    def pod_log(self, ns, pod, container):
        return self.path("pods", f"{ns}_{pod}_{container}.log")

    def volume_dir(self, volume_name):
        """The directory that is a bound claim's volume (its "disk")."""
        return self.path("volumes", volume_name)

    def pod_volume_dir(self, ns, pod, volume):
        """An emptyDir of one pod."""
        return self.path("pods", f"{ns}_{pod}.volumes", volume)

    def default_pod_command(self):
        return (f"exec {shlex.quote(sys.executable)} "
                f"{shlex.quote(os.path.join(HERE, 'pod-default'))} {{ip}} "
                f"{{ports}}")

    # -------------------------------------------------------------- files

    def write(self, name, text, mode=0o644):
        """Atomic write (rename), so readers never see half a file."""
        path = self.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.tmp{os.getpid()}"
        with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode),
                  "w") as f:
            f.write(text)
        os.replace(tmp, path)

    def make_certs(self):
        def run(*args):
            subprocess.run(["openssl", *args], check=True, cwd=self.state_dir,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.write("san.cnf", "subjectAltName=IP:127.0.0.1,DNS:localhost,"
                   "DNS:kubernetes,DNS:kubernetes.default,"
                   "DNS:kubernetes.default.svc,"
                   "DNS:kubernetes.default.svc.cluster.local\n"
                   "basicConstraints=critical,CA:FALSE\n"
                   "keyUsage=critical,digitalSignature,keyEncipherment\n"
                   "extendedKeyUsage=serverAuth\n")
        run("req", "-x509", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:prime256v1", "-nodes", "-days", "7",
            "-subj", f"/CN=kube-sim-ca-{secrets.token_hex(4)}",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            "-keyout", "ca.key", "-out", "ca.crt")
        run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-subj", "/CN=kube-apiserver", "-keyout", "server.key",
            "-out", "server.csr")
        run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey",
            "ca.key", "-CAcreateserial", "-days", "7", "-extfile", "san.cnf",
            "-out", "server.crt")
        for f in ("ca.key", "server.key"):
            os.chmod(self.path(f), 0o600)

    def load_tls(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.path("server.crt"), self.path("server.key"))
        ctx.set_alpn_protocols(["http/1.1"])
        self.ssl_ctx = ctx

    def url(self):
        scheme = "http" if self.opts.plain else "https"
        return f"{scheme}://127.0.0.1:{self.port}"

    def write_client_files(self):
        token = self.first_token
        cluster = f"    server: {self.url()}\n"
        if not self.opts.plain:
            with open(self.path("ca.crt"), "rb") as f:
                ca = f.read()
            cluster += ("    certificate-authority-data: "
                        f"{base64.b64encode(ca).decode()}\n")
            self.write("serviceaccount/ca.crt", ca.decode())
        self.write("kubeconfig", (
            "apiVersion: v1\nkind: Config\nclusters:\n- name: kube-sim\n"
            f"  cluster:\n{cluster}users:\n- name: kube-sim\n  user:\n"
            f"    token: {token}\ncontexts:\n- name: kube-sim\n  context:\n"
            "    cluster: kube-sim\n    user: kube-sim\n"
            f"    namespace: {self.namespace}\ncurrent-context: kube-sim\n"),
            0o600)
        self.write("serviceaccount/token", token, 0o600)
        self.write("serviceaccount/namespace", self.namespace)
        self.write("token", token + "\n", 0o600)
        self.write("admin-token", self.admin_token + "\n", 0o600)
        self.write("env", f"KUBERNETES_SERVICE_HOST=127.0.0.1\n"
                   f"KUBERNETES_SERVICE_PORT={self.port}\n")
        self.write("port", f"{self.port}\n")
        self.write("pid", f"{os.getpid()}\n")
        self.write("url", self.url() + "\n")

    def set_tokens(self, tokens, write=False):
        self.tokens = frozenset(tokens)
        if write and tokens:
            self.first_token = tokens[0]
            self.write_client_files()

    def rotate_ca(self):
        if self.opts.plain:
            return
        self.make_certs()
        self.load_tls()
        self.write_client_files()

    def state(self):
        pods = self.kubelet.view()  # (not under the store lock: lock order)
        with self.store.lock:
            counts = {r: len(self.store.objects[r]) for r in RESOURCES}
            return {"url": self.url(), "resourceVersion": str(self.store.rv),
                    "compactionFloor": str(self.store.floor),
                    "watchers": len(self.store.watchers), "objects": counts,
                    "podNetwork": str(self.kubelet.net),
                    "badImages": sorted(self.kubelet.bad_images),
                    "pods": pods}

    # ---------------------------------------------------------- lifecycle

    def start(self):
        for f in ("url", "port"):
            if os.path.exists(self.path(f)):
                os.unlink(self.path(f))
        if not self.opts.plain:
            self.make_certs()
            self.load_tls()
        self.httpd = HttpServer(self, self.opts.port)
        self.port = self.httpd.server_address[1]
        self.controller.start()
        threading.Thread(target=self.httpd.serve_forever, name="http",
                         daemon=True).start()
        self.write_client_files()
        self.log(f"listening on {self.url()}, pod network "
                 f"{self.kubelet.net}, state in {self.state_dir}")

    def stop(self):
        self.stopping = True
        self.store.end_watches("drop")
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
        self.controller.stop()
        self.kubelet.shutdown()
        self.log("stopped")
