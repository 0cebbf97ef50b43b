#!/usr/bin/python3
"""webclient.py - a browser's requests to a web session's origin, for
websessions.sh and bench/websession.sh: connects to ADDR (host:port) and
names HOST in every request, with the session origin's cookie COOKIE
(NAME=VALUE, or - for none).  Prints one JSON line.
  auth TICKET         GET /.ssd/auth?ticket=: status, Location, Set-Cookie
  get PATH            status and the start of the body
  bytes N             GET /bytes?n=N: every byte checked
  upload N [chunked]  PUT /upload of N bytes: the app's count and SHA-256
  keepalive K         K requests on one connection
  mixed               on one connection: a chunked upload, an upload
                      whose body holds a request head, then a GET
  ssdafter TICKET     GET /, then /.ssd/auth?ticket= on the same
                      connection: answered, or the connection closed
  parallel P N        P connections at once, each downloading N bytes
  ws                  a WebSocket echo through /ws
  cut                 GET /cut: the body ends early, with the connection
The bytes are webapp.py's pattern()."""
import base64
import hashlib
import http.client
import json
import os
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from webapp import pattern  # noqa: E402  (the app's bytes, to check)


class Client:
    def __init__(self, addr, host, cookie):
        self.addr, self.host, self.cookie = addr, host, cookie
        self.connects = 0

    def conn(self):
        h, p = self.addr.rsplit(":", 1)
        self.connects += 1
        return http.client.HTTPConnection(h, int(p), timeout=60)

    def headers(self, extra=None):
        hd = {"Host": self.host}
        if self.cookie != "-":
            hd["Cookie"] = self.cookie
        hd.update(extra or {})
        return hd


def cmd_auth(c, ticket):
    k = c.conn()
    k.request("GET", "/.ssd/auth?ticket=" + ticket, headers=c.headers())
    r = k.getresponse()
    r.read()
    return {"status": r.status, "location": r.getheader("Location"),
            "setCookie": r.getheader("Set-Cookie")}


def cmd_get(c, path):
    k = c.conn()
    k.request("GET", path, headers=c.headers())
    r = k.getresponse()
    body = r.read()
    return {"status": r.status, "body": body[:300].decode("latin-1")}


def check_bytes(k, c, n):
    k.request("GET", f"/bytes?n={n}", headers=c.headers())
    r = k.getresponse()
    exact, got = True, 0
    for want in pattern(n):
        b = r.read(len(want))
        got += len(b)
        if b != want:
            exact = False
            break
    extra = r.read()
    return r.status, got, exact and not extra


def cmd_bytes(c, n):
    t = time.monotonic()
    status, got, exact = check_bytes(c.conn(), c, int(n))
    return {"status": status, "bytes": got, "exact": exact,
            "seconds": round(time.monotonic() - t, 3)}


def cmd_upload(c, n, mode=""):
    n = int(n)
    h = hashlib.sha256()
    for b in pattern(n):
        h.update(b)
    k = c.conn()
    t = time.monotonic()
    if mode == "chunked":
        k.putrequest("PUT", "/upload", skip_host=True)
        for name, v in c.headers({"Transfer-Encoding": "chunked"}).items():
            k.putheader(name, v)
        k.endheaders()
        for b in pattern(n):
            k.send(b"%x\r\n" % len(b) + b + b"\r\n")
        k.send(b"0\r\n\r\n")
    else:
        k.putrequest("PUT", "/upload", skip_host=True)
        for name, v in c.headers({"Content-Length": str(n)}).items():
            k.putheader(name, v)
        k.endheaders()
        for b in pattern(n):
            k.send(b)
    r = k.getresponse()
    o = json.loads(r.read())
    return {"status": r.status, "bytes": o.get("bytes"),
            "exact": o.get("bytes") == n and o.get("sha256") == h.hexdigest(),
            "seconds": round(time.monotonic() - t, 3)}


def cmd_keepalive(c, count):
    k = c.conn()
    ok = 0
    for _ in range(int(count)):
        k.request("GET", "/", headers=c.headers())
        r = k.getresponse()
        r.read()
        ok += r.status == 200
        # http.client reconnects silently when the server closed.
        if k.sock is None:
            break
    return {"ok": ok, "connections": c.connects,
            "sameSocket": k.sock is not None}


def cmd_mixed(c):
    k = c.conn()
    fake = b"GET / HTTP/1.1\r\nHost: x\r\nCookie: ssd-view=0\r\n\r\n" * 4
    k.putrequest("PUT", "/upload", skip_host=True)
    for name, v in c.headers({"Transfer-Encoding": "chunked"}).items():
        k.putheader(name, v)
    k.endheaders()
    k.send(b"%x\r\n" % len(fake) + fake + b"\r\n0\r\n\r\n")
    r = k.getresponse()
    chunked = json.loads(r.read())
    k.request("PUT", "/upload", body=fake, headers=c.headers())
    r = k.getresponse()
    length = json.loads(r.read())
    k.request("GET", "/", headers=c.headers())
    r = k.getresponse()
    r.read()
    want = hashlib.sha256(fake).hexdigest()
    return {"bodiesExact": chunked.get("sha256") == want and
            length.get("sha256") == want, "status": r.status,
            "connections": c.connects, "sameSocket": k.sock is not None}


def cmd_ssdafter(c, ticket):
    k = c.conn()
    k.request("GET", "/", headers=c.headers())
    r = k.getresponse()
    r.read()
    first = r.status
    k.auto_open = 0     # no silent reconnection: which connection answers?
    try:
        k.request("GET", "/.ssd/auth?ticket=" + ticket, headers=c.headers())
        second = k.getresponse().status
    except (http.client.RemoteDisconnected, ConnectionError):
        second = "closed"
    return {"first": first, "second": second}


def cmd_parallel(c, p, n):
    res = [None] * int(p)
    gate = threading.Barrier(int(p))

    def one(i):
        k = c.conn()
        gate.wait()
        res[i] = check_bytes(k, c, int(n))
    ts = [threading.Thread(target=one, args=(i,)) for i in range(int(p))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return {"connections": len(res),
            "exact": all(r is not None and r[0] == 200 and r[2] for r in res)}


def cmd_ws(c):
    h, p = c.addr.rsplit(":", 1)
    s = socket.create_connection((h, int(p)), timeout=30)
    key = base64.b64encode(os.urandom(16)).decode()
    head = (f"GET /ws HTTP/1.1\r\nHost: {c.host}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            f"Sec-WebSocket-Version: 13\r\n")
    if c.cookie != "-":
        head += f"Cookie: {c.cookie}\r\n"
    s.sendall((head + "\r\n").encode())
    f = s.makefile("rb")
    status = f.readline()
    while f.readline() not in (b"\r\n", b""):
        pass
    echoed = 0
    for msg in (b"hello", os.urandom(70000)):
        mask = os.urandom(4)
        hdr = b"\x82"
        if len(msg) < 126:
            hdr += bytes([0x80 | len(msg)])
        elif len(msg) < 65536:
            hdr += bytes([0x80 | 126]) + struct.pack("!H", len(msg))
        else:
            hdr += bytes([0x80 | 127]) + struct.pack("!Q", len(msg))
        s.sendall(hdr + mask + bytes(b ^ mask[i % 4]
                                     for i, b in enumerate(msg)))
        b0 = f.read(2)
        n = b0[1] & 0x7F
        if n == 126:
            n = struct.unpack("!H", f.read(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", f.read(8))[0]
        echoed += f.read(n) == msg
    s.close()
    return {"status": status.decode().strip(), "echoed": echoed}


def cmd_cut(c):
    k = c.conn()
    k.request("GET", "/cut", headers=c.headers())
    r = k.getresponse()
    got = 0
    try:
        while True:
            b = r.read1(1 << 16) if hasattr(r, "read1") else r.read(1 << 16)
            if not b:
                break
            got += len(b)
    except http.client.IncompleteRead as e:
        got += len(e.partial)
    except (ConnectionError, OSError):
        pass
    return {"status": r.status, "declared": int(r.getheader(
        "Content-Length")), "got": got}


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    c = Client(sys.argv[1], sys.argv[2], sys.argv[3])
    fn = globals()["cmd_" + sys.argv[4]]
    try:
        print(json.dumps(fn(c, *sys.argv[5:])), flush=True)
    except (OSError, http.client.HTTPException) as e:
        print(json.dumps({"error": repr(e)}), flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
