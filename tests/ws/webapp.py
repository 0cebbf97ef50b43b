#!/usr/bin/python3
"""webapp.py - a web session's app as a kube-sim pod (websessions.sh,
bench/websession.sh): HTTP/1.1 with keep-alive on IP PORT; every request
head is appended to HEADS (one JSON line: method, path, headers) so the
test sees what reached the pod.
  GET /bytes?n=N      N bytes of pattern() (Content-Length)
  PUT /upload         reads the body (Content-Length or chunked): its
                      length and SHA-256 as JSON
  GET /slow?ms=N      answers after N ms
  GET /cut            promises 1 MiB, sends 64 KiB, closes
  GET /ws             WebSocket that echoes each message
  GET /               a small page
Usage: webapp.py IP PORT HEADS"""
import base64
import hashlib
import http.server
import json
import socketserver
import struct
import sys
import threading
import time
import urllib.parse

BLOCK = bytes(range(256)) * 256          # 64 KiB
WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
lock = threading.Lock()


def pattern(n):
    """The first n bytes of BLOCK repeated (what /bytes sends)."""
    full, rest = divmod(n, len(BLOCK))
    for _ in range(full):
        yield BLOCK
    if rest:
        yield BLOCK[:rest]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def record(self):
        line = json.dumps({"method": self.command, "path": self.path,
                           "headers": [[k, v] for k, v in self.headers.items()]})
        with lock, open(self.server.heads, "a") as f:
            f.write(line + "\n")

    def reply(self, status, body, ctype="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def query(self):
        u = urllib.parse.urlsplit(self.path)
        return u.path, dict(urllib.parse.parse_qsl(u.query))

    def do_GET(self):
        self.record()
        path, q = self.query()
        if path == "/bytes":
            n = int(q.get("n", "0"))
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(n))
            self.end_headers()
            for b in pattern(n):
                self.wfile.write(b)
        elif path == "/slow":
            time.sleep(int(q.get("ms", "0")) / 1000)
            self.reply(200, b'{"slow":true}')
        elif path == "/cut":
            self.send_response(200)
            self.send_header("Content-Length", str(1 << 20))
            self.end_headers()
            self.wfile.write(BLOCK)
            self.wfile.flush()
            self.close_connection = True
        elif path == "/ws":
            self.websocket()
        else:
            self.reply(200, b"<!doctype html><title>webapp</title>"
                       b"<p>web session test app</p>", "text/html")

    def read_body(self):
        h = hashlib.sha256()
        n = 0
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return n, h.hexdigest()
                left = size
                while left:
                    b = self.rfile.read(min(left, 1 << 20))
                    h.update(b)
                    n += len(b)
                    left -= len(b)
                self.rfile.readline()
        left = int(self.headers.get("Content-Length", "0"))
        while left:
            b = self.rfile.read(min(left, 1 << 20))
            if not b:
                break
            h.update(b)
            n += len(b)
            left -= len(b)
        return n, h.hexdigest()

    def do_PUT(self):
        self.record()
        n, digest = self.read_body()
        self.reply(200, json.dumps({"bytes": n, "sha256": digest}).encode())

    do_POST = do_PUT

    def websocket(self):
        key = self.headers.get("Sec-WebSocket-Key", "").encode()
        accept = base64.b64encode(hashlib.sha1(key + WS_GUID).digest())
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept.decode())
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        while True:
            hdr = self.rfile.read(2)
            if len(hdr) < 2:
                return
            op, n = hdr[0] & 0x0F, hdr[1] & 0x7F
            if n == 126:
                n = struct.unpack("!H", self.rfile.read(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self.rfile.read(8))[0]
            mask = self.rfile.read(4) if hdr[1] & 0x80 else b"\0\0\0\0"
            data = bytes(b ^ mask[i % 4] for i, b in
                         enumerate(self.rfile.read(n)))
            if op == 8:
                self.wfile.write(b"\x88\x00")
                return
            head = bytes([0x80 | op])
            if len(data) < 126:
                head += bytes([len(data)])
            elif len(data) < 65536:
                head += bytes([126]) + struct.pack("!H", len(data))
            else:
                head += bytes([127]) + struct.pack("!Q", len(data))
            self.wfile.write(head + data)
            self.wfile.flush()


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: webapp.py IP PORT HEADS")
    srv = Server((sys.argv[1], int(sys.argv[2])), Handler)
    srv.heads = sys.argv[3]
    print(f"webapp: listening on {sys.argv[1]}:{sys.argv[2]}", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
