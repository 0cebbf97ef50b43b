"""control.py - the test-facing side of kube-sim: fault injection rules,
the request log, and the /sim/... control endpoints (authorised with the
admin token, never logged, never subject to faults).  See README.md for
the interface."""
import collections
import itertools
import json
import re
import threading
import time

from .meta import ApiError

# Default reason/message per injected status code (errors.go wording).
FAULT_TEXT = {
    400: ("BadRequest", "injected by kube-sim"),
    401: ("Unauthorized", "Unauthorized"),
    403: ("Forbidden", "forbidden: injected by kube-sim"),
    404: ("NotFound", "the server could not find the requested resource"),
    409: ("Conflict", "Operation cannot be fulfilled: the object has been "
          "modified; please apply your changes to the latest version and try "
          "again"),
    410: ("Expired", "too old resource version"),
    422: ("Invalid", "the server rejected our request due to an error in our "
          "request"),
    429: ("TooManyRequests", "the server has received too many requests and "
          "has asked us to try again later"),
    500: ("InternalError", "Internal error occurred: injected by kube-sim"),
    503: ("ServiceUnavailable", "the server is currently unable to handle the "
          "request"),
    504: ("Timeout", "Timeout: request did not complete within requested "
          "timeout - context deadline exceeded"),
}


class Fault:
    FIELDS = ("method", "path_regex", "query_regex", "status", "reason",
              "message", "retry_after", "delay_ms", "drop", "after_commit",
              "count", "skip")

    def __init__(self, fid, spec):
        unknown = set(spec) - set(self.FIELDS)
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        self.id = fid
        self.spec = dict(spec)
        self.method = spec.get("method")
        self.path_re = re.compile(spec.get("path_regex", ""))
        self.query_re = re.compile(spec.get("query_regex", ""))
        self.status = spec.get("status")
        self.delay_ms = int(spec.get("delay_ms", 0))
        self.drop = spec.get("drop", False)
        if self.drop not in (False, True, "before", "mid"):
            raise ValueError('drop must be true, "before" or "mid"')
        self.after_commit = bool(spec.get("after_commit", False))
        self.count = spec.get("count")
        self.skip = int(spec.get("skip", 0))
        self.hits = 0
        if self.status is None and not self.drop and not self.delay_ms:
            raise ValueError("a fault needs status, drop or delay_ms")
        if self.status is not None and not 400 <= int(self.status) <= 599:
            raise ValueError("status must be 4xx or 5xx")

    def error(self):
        code = int(self.status)
        reason, message = FAULT_TEXT.get(code, ("InternalError",
                                                "injected by kube-sim"))
        reason = self.spec.get("reason", reason)
        message = self.spec.get("message", message)
        headers, details = {}, {}
        if code in (429, 503, 504) or "retry_after" in self.spec:
            ra = int(self.spec.get("retry_after", 1))
            headers["Retry-After"] = str(ra)
            details["retryAfterSeconds"] = ra
        return ApiError(code, reason, message, details or None, headers)

    def view(self):
        v = dict(self.spec, id=self.id, hits=self.hits)
        if self.count is not None:
            v["remaining"] = self.count
        return v


class Faults:
    def __init__(self):
        self.lock = threading.Lock()
        self.rules = []
        self.ids = itertools.count(1)

    def add(self, spec):
        with self.lock:
            f = Fault(next(self.ids), spec)
            self.rules.append(f)
            return f

    def take(self, method, path, query):
        """The first rule matching the request, consumed (count/skip)."""
        with self.lock:
            for f in self.rules:
                if f.method and f.method.upper() != method:
                    continue
                if not f.path_re.search(path) or not f.query_re.search(query):
                    continue
                if f.skip > 0:
                    f.skip -= 1
                    continue
                f.hits += 1
                if f.count is not None:
                    f.count -= 1
                    if f.count <= 0:
                        self.rules.remove(f)
                return f
            return None

    def clear(self, fid=None):
        with self.lock:
            before = len(self.rules)
            self.rules = [f for f in self.rules if fid is not None and f.id != fid]
            return before - len(self.rules)

    def view(self):
        with self.lock:
            return [f.view() for f in self.rules]


LOGGED_HEADERS = ("Content-Type", "Accept", "User-Agent", "Upgrade",
                  "Sec-WebSocket-Protocol", "X-Stream-Protocol-Version")


class RequestLog:
    def __init__(self, limit=20000):
        self.lock = threading.Lock()
        self.entries = collections.deque(maxlen=limit)
        self.seq = itertools.count(1)

    def start(self, handler, body_bytes, auth):
        ctype = handler.headers.get("Content-Type", "")
        body = None
        if body_bytes:
            try:
                body = json.loads(body_bytes)
            except ValueError:
                body = body_bytes.decode("utf-8", "replace")
        path, _, query = handler.path.partition("?")
        e = {"seq": next(self.seq), "time": time.time(),
             "method": handler.command, "path": path, "query": query,
             "headers": {h: handler.headers[h] for h in LOGGED_HEADERS
                         if h in handler.headers},
             "auth": auth, "body": body, "status": None}
        if ctype and not body_bytes:
            e["body"] = None
        with self.lock:
            self.entries.append(e)
        return e

    def since(self, seq):
        with self.lock:
            return [e for e in self.entries if e["seq"] > seq]

    def clear(self):
        with self.lock:
            self.entries.clear()


def handle(sim, h, method, path, query, body):
    """A /sim/... request -> (code, JSON object)."""
    def arg():
        if not body:
            return {}
        try:
            return json.loads(body)
        except ValueError as e:
            raise ApiError(400, "BadRequest", f"control body: {e}") from None

    parts = [p for p in path.split("/") if p][1:]
    route = "/".join(parts)
    if route == "state" and method == "GET":
        return 200, sim.state()
    if route == "faults":
        if method == "GET":
            return 200, {"faults": sim.faults.view()}
        if method == "POST":
            a = arg()
            specs = a if isinstance(a, list) else [a]
            try:
                ids = [sim.faults.add(s).id for s in specs]
            except (ValueError, TypeError, re.error) as e:
                raise ApiError(400, "BadRequest", str(e)) from None
            return 200, {"ids": ids}
        if method == "DELETE":
            return 200, {"removed": sim.faults.clear()}
    if len(parts) == 2 and parts[0] == "faults" and method == "DELETE":
        return 200, {"removed": sim.faults.clear(int(parts[1]))}
    if route == "requests":
        if method == "GET":
            since = int(query.get("since", ["0"])[0])
            return 200, {"requests": sim.reqlog.since(since)}
        if method == "DELETE":
            sim.reqlog.clear()
            return 200, {}
    if route == "watch/drop" and method == "POST":
        mode = arg().get("mode", "end")
        if mode not in ("end", "reset", "expire"):
            raise ApiError(400, "BadRequest", "mode: end, reset or expire")
        return 200, {"ended": sim.store.end_watches(
            {"end": "drop"}.get(mode, mode))}
    if route == "compact" and method == "POST":
        return 200, {"floor": sim.store.compact()}
    if route == "tokens" and method in ("POST", "PUT"):
        a = arg()
        toks = a.get("tokens")
        if not isinstance(toks, list) or not all(isinstance(t, str) and t
                                                  for t in toks):
            raise ApiError(400, "BadRequest", "tokens: a list of strings")
        sim.set_tokens(toks, write=bool(a.get("write", False)))
        return 200, {"count": len(toks)}
    if route == "bad-images":
        if method in ("POST", "PUT"):
            imgs = arg().get("images", [])
            if method == "PUT":
                sim.kubelet.bad_images = set(imgs)
            else:
                sim.kubelet.bad_images |= set(imgs)
        elif method == "DELETE":
            sim.kubelet.bad_images = set()
        return 200, {"images": sorted(sim.kubelet.bad_images)}
    if parts[:1] == ["pods"] and len(parts) in (3, 4) and method == "POST":
        ns, name = (parts[1], parts[2]) if len(parts) == 4 else \
            (sim.namespace, parts[1])
        action = parts[-1]
        if action == "crash":
            sig = arg().get("signal", "KILL")
            if not sim.kubelet.crash(ns, name, sig):
                raise ApiError(404, "NotFound", f"no running process for "
                               f"pod {ns}/{name}")
            return 200, {"crashed": f"{ns}/{name}"}
    if route == "ca/rotate" and method == "POST":
        sim.rotate_ca()
        return 200, {"ca": sim.path("ca.crt")}
    raise ApiError(404, "NotFound", f"no control endpoint {method} {path}")
