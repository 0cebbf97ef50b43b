"""api.py - the HTTP side of kube-sim: one handler per connection
(HTTP/1.1 keep-alive), bearer-token authentication, fault injection and
the request log around every API call, routing of /api and /apis paths to
discovery, list/watch/get/create/update/patch/delete, the scale, status
and log subresources, and port-forward upgrades.  Errors leave as Status
JSON; /sim/... goes to control.py with the admin token."""
import io
import json
import os
import queue
import select
import socket
import ssl
import struct
import time
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler

from . import control, discovery, ops, schema, store, websocket
from .meta import (ApiError, GROUP_VERSIONS, RESOURCES, api_version,
                   bad_request, method_not_allowed, path_not_found,
                   unauthorized, unsupported_media_type)
from .selectors import parse_field_selector, parse_label_selector

MAX_BODY = 3 << 20
DRAIN_LIMIT = 16 << 20  # a larger body is read (and dropped) for its 413
TRUE = ("true", "1", "t", "True", "TRUE", "T")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kube-sim"
    sys_version = ""
    # Unbuffered: no bytes of an upgraded connection hide in a Python buffer.
    rbufsize = 0
    timeout = 3600

    def log_message(self, fmt, *args):
        self.server.sim.log(f"http {self.client_address[0]}: " + fmt % args)

    def do_GET(self):
        self.handle_any()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    # ------------------------------------------------------------ plumbing

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = bytearray()
            while True:
                line = self.rfile.readline(1024)
                n = int(line.split(b";")[0].strip() or b"0", 16)
                if n == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                out += self.read_exact(n)
                self.rfile.readline(8)
                if len(out) > MAX_BODY:
                    raise ApiError(413, "RequestEntityTooLarge",
                                   "Request entity too large: limit is 3145728")
        n = int(self.headers.get("Content-Length") or 0)
        if n > MAX_BODY:
            if n <= DRAIN_LIMIT:
                self.read_exact(n)
            raise ApiError(413, "RequestEntityTooLarge",
                           "Request entity too large: limit is 3145728")
        return self.read_exact(n)

    def read_exact(self, n):
        out = bytearray()
        while len(out) < n:
            chunk = self.rfile.read(n - len(out))
            if not chunk:
                raise bad_request("unexpected end of request body")
            out += chunk
        return bytes(out)

    def send_bytes(self, code, data, ctype="application/json", headers=None):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("Audit-Id", f"{os.getpid():x}-{time.monotonic_ns():x}")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        for w in self.req.warnings if self.req else []:
            self.send_header("Warning", '299 - "%s"' % w.replace(
                "\\", "\\\\").replace('"', '\\"'))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command == "HEAD":
            return
        if self.drop_mid:
            self.wfile.write(data[:len(data) // 2])
            self.reset()
            return
        self.wfile.write(data)
        if self.entry is not None:
            self.entry["status"] = code

    def send_obj(self, code, obj, headers=None):
        self.send_bytes(code, json.dumps(obj, separators=(",", ":")).encode()
                        + b"\n", headers=headers)

    def send_error_status(self, e):
        self.send_obj(e.code, e.status(), e.headers)

    def reset(self):
        """Ends the connection with a TCP reset now (fault "drop"): the
        socket is only really closed once rfile and wfile let go of it."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.rfile.close()
            self.wfile.close()
            self.connection.close()
        except OSError:
            pass
        self.rfile, self.wfile = io.BytesIO(), io.BytesIO()
        self.close_connection = True
        if self.entry is not None:
            self.entry["status"] = "reset"

    def q(self, name, default=None):
        v = self.query.get(name)
        return v[0] if v else default

    def write_chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    # ------------------------------------------------------------ dispatch

    def handle_any(self):
        sim = self.server.sim
        self.entry, self.drop_mid, self.req = None, False, None
        url = urllib.parse.urlsplit(self.path)
        self.query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        try:
            body = self.read_body()
        except (ApiError, ValueError) as e:
            self.close_connection = True
            self.send_error_status(e if isinstance(e, ApiError)
                                   else bad_request(str(e)))
            return
        if url.path == "/sim" or url.path.startswith("/sim/"):
            self.control(url.path, body)
            return
        auth = self.authenticate()
        self.entry = sim.reqlog.start(self, body, auth)
        try:
            if auth != "ok":
                raise unauthorized()
            fault = sim.faults.take(self.command, url.path, url.query)
            if fault:
                self.entry["fault"] = fault.id
                if fault.delay_ms:
                    time.sleep(fault.delay_ms / 1000)
                if fault.drop == "before":
                    self.reset()
                    return
                if fault.status is not None and not fault.after_commit:
                    raise fault.error()
                self.drop_mid = fault.drop in (True, "mid")
            result = self.route(url.path, body)
            if fault and fault.status is not None and fault.after_commit \
                    and result is not None:
                raise fault.error()
            if result is not None:
                code, obj = result
                if isinstance(obj, bytes):
                    self.send_bytes(code, obj, "text/plain")
                else:
                    self.send_obj(code, obj)
        except ApiError as e:
            self.send_error_status(e)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as e:  # noqa: BLE001 - a bug answers 500, as a panic
            sim.log(f"{self.command} {url.path}: {traceback.format_exc()}")
            self.close_connection = True
            self.send_error_status(ApiError(
                500, "InternalError", f"Internal error occurred: {e!r}",
                {"causes": [{"message": repr(e)}]}))

    def authenticate(self):
        h = self.headers.get("Authorization", "")
        if not h:
            return "missing"
        scheme, _, tok = h.partition(" ")
        if scheme.lower() != "bearer":
            return "invalid"
        return "ok" if tok.strip() in self.server.sim.tokens else "invalid"

    def control(self, path, body):
        sim = self.server.sim
        try:
            if self.headers.get("Authorization", "") != \
                    f"Bearer {sim.admin_token}":
                raise unauthorized()
            code, obj = control.handle(sim, self, self.command, path,
                                       self.query, body)
            self.send_obj(code, obj)
        except ApiError as e:
            self.send_error_status(e)

    def route(self, path, body):
        sim = self.server.sim
        if path in ("/healthz", "/livez", "/readyz"):
            return 200, b"ok"
        if self.command != "GET" and not path.startswith(("/api/", "/apis/")):
            raise method_not_allowed()
        if path in ("/version", "/version/"):
            return 200, discovery.version_doc(sim.opts.k8s_version)
        if path in ("/api", "/api/"):
            return 200, discovery.api_versions(f"127.0.0.1:{sim.port}")
        if path in ("/apis", "/apis/"):
            return 200, discovery.api_group_list()
        if path == "/openapi/v3":
            return 200, discovery.openapi_index(sim.opts.k8s_version)
        if path.startswith("/openapi/v3/") and \
                path[12:] in discovery.OPENAPI_GVS:
            return 200, discovery.openapi_doc(path[12:], sim.opts.k8s_version)
        parts = [urllib.parse.unquote(p) for p in path.strip("/").split("/")]
        if parts[0] == "api" and len(parts) >= 2:
            group, version, rest = "", parts[1], parts[2:]
        elif parts[0] == "apis" and len(parts) >= 2:
            group = parts[1]
            if group in GROUP_VERSIONS and len(parts) == 2:
                return 200, dict(discovery.api_group(group), kind="APIGroup",
                                 apiVersion="v1")
            version, rest = (parts[2], parts[3:]) if len(parts) > 2 else ("", [])
        else:
            raise path_not_found()
        if version not in GROUP_VERSIONS.get(group, []):
            raise path_not_found()
        if not rest:
            if self.command != "GET":
                raise method_not_allowed()
            return 200, discovery.resource_list(group, version)
        ns = None
        if rest[0] == "namespaces" and len(rest) >= 3:
            ns, rest = rest[1], rest[2:]
        elif rest[0] == "namespaces" and not group:
            return self.namespaces(rest[1] if len(rest) == 2 else None)
        resource = rest[0]
        r = RESOURCES.get(resource)
        if r is None or r["group"] != group or r["version"] != version or \
                len(rest) > 3:
            raise path_not_found()
        if len(rest) == 1:
            return self.collection(resource, ns, body)
        if ns is None:
            raise path_not_found()
        if len(rest) == 2:
            return self.item(resource, ns, rest[1], body)
        return self.subresource(resource, ns, rest[1], rest[2], body)

    def namespaces(self, name):
        """Namespaces are read-only: the ones in use plus the usual four."""
        sim = self.server.sim
        if self.command != "GET" or self.q("watch") in TRUE:
            raise method_not_allowed()
        if name is not None:
            return 200, discovery.namespace(name, sim.started)
        names = {"default", "kube-system", "kube-public", "kube-node-lease",
                 sim.namespace}
        with sim.store.lock:
            for objs in sim.store.objects.values():
                names.update(ns for ns, _ in objs)
        return 200, {"kind": "NamespaceList", "apiVersion": "v1",
                     "metadata": {"resourceVersion": str(sim.store.rv)},
                     "items": [store.strip_for_list(
                         discovery.namespace(n, sim.started))
                         for n in sorted(names)]}

    # ---------------------------------------------------------- resources

    def selectors(self, resource):
        return (parse_label_selector(self.q("labelSelector")),
                parse_field_selector(self.q("fieldSelector"), resource))

    def dry_run(self):
        v = self.query.get("dryRun", [])
        if any(x != "All" for x in v):
            raise bad_request(f"Invalid dryRun value: {v}")
        return bool(v)

    def write_request(self, body, options):
        """fieldValidation (default Warn), dryRun, duplicate JSON keys."""
        v = self.q("fieldValidation") or "Warn"
        if v not in ("Ignore", "Warn", "Strict"):
            msg = (f'Unsupported value: "{v}": supported values: "Ignore", '
                   f'"Warn", "Strict"')
            raise ApiError(422, "Invalid", f'{options}.meta.k8s.io "" is '
                           f'invalid: fieldValidation: {msg}',
                           {"group": "meta.k8s.io", "kind": options,
                            "causes": [{"reason": "FieldValueNotSupported",
                                        "message": msg,
                                        "field": "fieldValidation"}]})
        dups = schema.duplicate_keys(body) if v != "Ignore" and body else []
        self.req = ops.Request(v, self.dry_run(), dups)
        return self.req

    def json_body(self, body):
        ctype = self.headers.get("Content-Type", "").split(";")[0].strip()
        if ctype not in ("", "application/json"):
            raise unsupported_media_type(["application/json"])
        try:
            return json.loads(body)
        except ValueError as e:
            raise bad_request(f"couldn't get version/kind; json parse "
                              f"error: {e}") from None

    def collection(self, resource, ns, body):
        sim = self.server.sim
        if self.command == "GET":
            if self.q("watch") in TRUE:
                self.watch(resource, ns)
                return None
            labels, fields = self.selectors(resource)
            try:
                limit = int(self.q("limit") or 0)
            except ValueError:
                raise bad_request("limit: must be an integer") from None
            lmeta, items = sim.store.list(resource, ns, labels, fields, limit,
                                          self.q("continue"))
            if discovery.wants_table(self.headers.get("Accept")):
                return 200, discovery.to_table(resource, items, lmeta,
                                               self.q("includeObject",
                                                      "Metadata"))
            return 200, {"kind": RESOURCES[resource]["kind"] + "List",
                         "apiVersion": api_version(resource),
                         "metadata": lmeta, "items": items}
        if ns is None:
            raise method_not_allowed()
        if self.command == "POST":
            obj = ops.create(sim, resource, ns, self.json_body(body),
                             self.write_request(body, "CreateOptions"))
            return 201, obj
        if self.command == "DELETE":
            labels, fields = self.selectors(resource)
            opts = self.delete_options(body)
            _, items = sim.store.list(resource, ns, labels, fields)
            out = []
            for o in items:
                try:
                    out.append(ops.delete(
                        sim, resource, ns, o["metadata"]["name"], opts,
                        self.dry_run() or opts.get("dryRun") == ["All"])[1])
                except ApiError as e:
                    if e.code != 404:
                        raise
            return 200, {"kind": RESOURCES[resource]["kind"] + "List",
                         "apiVersion": api_version(resource),
                         "metadata": {"resourceVersion": str(sim.store.rv)},
                         "items": out}
        raise method_not_allowed()

    def delete_options(self, body):
        opts = self.json_body(body) if body.strip() else {}
        if not isinstance(opts, dict):
            raise bad_request("DeleteOptions must be an object")
        try:
            opts = schema.check("DeleteOptions", opts)[0]
        except schema.DecodeError as e:
            raise bad_request(f"{e}") from None
        if self.q("propagationPolicy"):
            opts["propagationPolicy"] = self.q("propagationPolicy")
        if self.q("gracePeriodSeconds") is not None:
            try:
                opts["gracePeriodSeconds"] = int(self.q("gracePeriodSeconds"))
            except ValueError:
                raise bad_request("gracePeriodSeconds: must be an integer") \
                    from None
        if self.q("orphanDependents") is not None:
            opts["orphanDependents"] = self.q("orphanDependents") in TRUE
        return opts

    def patch_type(self):
        return self.headers.get("Content-Type", "").split(";")[0].strip()

    def item(self, resource, ns, name, body):
        sim = self.server.sim
        if self.command == "GET":
            obj = sim.store.get_or_404(resource, ns, name)
            if discovery.wants_table(self.headers.get("Accept")):
                return 200, discovery.to_table(
                    resource, [obj], {"resourceVersion":
                                      obj["metadata"]["resourceVersion"]},
                    self.q("includeObject", "Metadata"))
            return 200, obj
        if self.command == "PUT":
            return 200, ops.replace(sim, resource, ns, name,
                                    self.json_body(body),
                                    self.write_request(body, "UpdateOptions"))
        if self.command == "PATCH":
            return 200, ops.patch(sim, resource, ns, name, self.patch_type(),
                                  body, self.write_request(body,
                                                           "PatchOptions"))
        if self.command == "DELETE":
            opts = self.delete_options(body)
            return ops.delete(sim, resource, ns, name, opts,
                              self.dry_run() or opts.get("dryRun") == ["All"])
        raise method_not_allowed()

    def subresource(self, resource, ns, name, sub, body):
        sim = self.server.sim
        if sub == "scale" and resource == "deployments":
            if self.command == "GET":
                return 200, ops.scale_of(sim.store.get_or_404(resource, ns,
                                                              name))
            if self.command == "PUT":
                want = self.json_body(body)
                return 200, ops.set_scale(
                    sim, ns, name, lambda cur: want,
                    self.write_request(body, "UpdateOptions"))
            if self.command == "PATCH":
                ctype = self.patch_type()
                p = ops.parse_patch(ctype, body)
                return 200, ops.set_scale(
                    sim, ns, name, lambda cur: ops.apply_patch(ctype, cur, p),
                    self.write_request(body, "PatchOptions"))
            raise method_not_allowed()
        if sub == "status" and resource in ("deployments", "pods"):
            if self.command != "GET":
                raise method_not_allowed()
            return 200, sim.store.get_or_404(resource, ns, name)
        if sub == "log" and resource == "pods":
            if self.command != "GET":
                raise method_not_allowed()
            return self.pod_log(ns, name)
        if sub == "portforward" and resource == "pods":
            pod = sim.store.get_or_404(resource, ns, name)
            if self.command == "POST":
                raise websocket.spdy_refusal() \
                    if self.headers.get("Upgrade", "").lower().startswith("spdy") \
                    else bad_request("Upgrade request required")
            if self.command != "GET":
                raise method_not_allowed()
            websocket.serve(sim, self, pod, self.query)
            if self.entry is not None:
                self.entry["status"] = 101
            return None
        raise path_not_found()

    # ----------------------------------------------------------------- log

    def pod_log(self, ns, name):
        sim = self.server.sim
        pod = sim.store.get_or_404("pods", ns, name)
        names = [c["name"] for c in pod["spec"].get("containers", [])]
        container = self.q("container")
        if container is None:
            if len(names) != 1:
                raise bad_request(f"a container name must be specified for "
                                  f"pod {name}, choose one of: "
                                  f"[{' '.join(names)}]")
            container = names[0]
        if container not in names:
            raise bad_request(f"container {container} is not valid for pod "
                              f"{name}")
        path = sim.pod_log(ns, name, container)
        if not os.path.exists(path):
            raise bad_request(f'container "{container}" in pod "{name}" is '
                              f'waiting to start: ContainerCreating')
        with open(path, "rb") as f:
            data = f.read()
        tail = self.q("tailLines")
        if tail is not None and tail.isdigit():
            lines = data.splitlines(keepends=True)
            data = b"".join(lines[len(lines) - int(tail):] if int(tail) else [])
        limit = self.q("limitBytes")
        if limit is not None and limit.isdigit():
            data = data[:int(limit)]
        if self.q("follow") not in TRUE:
            return 200, data
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.entry["status"] = 200
        self.close_connection = True
        pos = os.path.getsize(path)
        if data:
            self.write_chunk(data)
        uid = pod["metadata"]["uid"]
        while not sim.stopping:
            cur = sim.store.get("pods", ns, name)
            size = os.path.getsize(path)
            if size > pos:
                with open(path, "rb") as f:
                    f.seek(pos)
                    self.write_chunk(f.read(size - pos))
                pos = size
            elif cur is None or cur["metadata"]["uid"] != uid:
                break
            time.sleep(0.1)
        self.wfile.write(b"0\r\n\r\n")
        return None

    # --------------------------------------------------------------- watch

    def watch(self, resource, ns):
        sim = self.server.sim
        labels, fields = self.selectors(resource)
        rv = self.q("resourceVersion")
        bookmarks = self.q("allowWatchBookmarks") in TRUE
        initial = self.q("sendInitialEvents")
        if initial is not None:
            if initial in TRUE and (self.q("resourceVersionMatch") !=
                                    "NotOlderThan" or not bookmarks):
                raise ApiError(422, "Invalid", 'ListOptions.meta.k8s.io "" is '
                               'invalid: sendInitialEvents: Forbidden: '
                               'sendInitialEvents requires setting '
                               'resourceVersionMatch to NotOlderThan and '
                               'allowWatchBookmarks to true', {})
        try:
            timeout = float(self.q("timeoutSeconds") or sim.opts.watch_timeout)
        except ValueError:
            raise bad_request("timeoutSeconds: must be an integer") from None
        table = discovery.wants_table(self.headers.get("Accept"))
        try:
            w = sim.store.watch(resource, ns, labels, fields, rv,
                                initial in TRUE)
            err = None
        except ApiError as e:
            if e.code != 410:
                raise
            w, err = None, e
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.entry["status"] = 200
        self.close_connection = True
        try:
            if err is not None:
                self.event("ERROR", err.status(), False, resource)
            else:
                self.stream(w, resource, timeout, bookmarks, table)
            self.wfile.write(b"0\r\n\r\n")
        except (OSError, ValueError):
            pass
        finally:
            if w is not None:
                sim.store.unwatch(w)

    def event(self, typ, obj, table, resource):
        if table and typ in ("ADDED", "MODIFIED", "DELETED"):
            obj = discovery.to_table(resource, [obj], {
                "resourceVersion": obj["metadata"]["resourceVersion"]},
                self.q("includeObject", "Metadata"))
        self.write_chunk(json.dumps({"type": typ, "object": obj},
                                    separators=(",", ":")).encode() + b"\n")

    def bookmark(self, resource, rv, annotations=None):
        md = {"resourceVersion": rv, "creationTimestamp": None}
        if annotations:
            md["annotations"] = annotations
        self.event("BOOKMARK", {"kind": RESOURCES[resource]["kind"],
                                "apiVersion": api_version(resource),
                                "metadata": md}, False, resource)

    def client_gone(self):
        """A watcher that went away is noticed without writing to it: its
        side of the connection turns readable with EOF."""
        sock = self.connection
        try:
            r, _, _ = select.select([sock], [], [], 0)
            if not r:
                return False
            sock.setblocking(False)
            try:
                return sock.recv(4096) == b""
            finally:
                sock.setblocking(True)
        except (ssl.SSLWantReadError, BlockingIOError):
            return False
        except OSError:
            return True

    def stream(self, w, resource, timeout, bookmarks, table):
        sim = self.server.sim
        start = time.monotonic()
        deadline = start + timeout
        period = sim.opts.bookmark_interval
        next_bm = start + period if bookmarks else float("inf")
        final_bm = bookmarks and timeout >= 2
        if self.drop_mid:
            deadline = start + 0.2
        while True:
            t = time.monotonic()
            wake = min(deadline - (1 if final_bm else 0), next_bm, t + 1)
            try:
                item = w.q.get(timeout=max(0.0, wake - t))
            except queue.Empty:
                item = None
                if self.client_gone():
                    return
            if item is None:
                t = time.monotonic()
                if final_bm and t >= deadline - 1:
                    final_bm = False
                    rv = sim.store.bookmark_rv(w)
                    if rv:
                        self.bookmark(resource, rv)
                    continue
                if t >= deadline:
                    if self.drop_mid:
                        self.reset()
                        raise OSError("dropped")
                    return
                if t >= next_bm:
                    next_bm = t + period
                    rv = sim.store.bookmark_rv(w)
                    if rv:
                        self.bookmark(resource, rv)
                continue
            if item[0] == "event":
                self.event(item[1], item[2], table, resource)
            elif item[0] == "initial-end":
                self.bookmark(resource, item[1],
                              {"k8s.io/initial-events-end": "true"})
            elif item[1] == "reset":
                self.reset()
                raise OSError("reset")
            elif item[1] == "expire":
                rv = sim.store.rv
                self.event("ERROR", ApiError(
                    410, "Expired", f"too old resource version: {rv} "
                    f"({rv + 1})").status(), False, resource)
                return
            else:
                return
