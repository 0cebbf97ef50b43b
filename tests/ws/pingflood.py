#!/usr/bin/python3
"""pingflood.py - a viewer that floods pings and never reads, for the
relay's output bound (issue 12 #1): opens the WebSocket URL with a small
receive buffer, sends masked 125-byte pings without reading a byte until
the socket has taken nothing for QUIET seconds (the server stopped reading
it), the server ends the connection, or 120 s have passed, prints
"flooded N (why it stopped)", then waits (still not reading) until the
file GO exists (at most 120 s), reads what the server queued and prints
"close CODE" for the close frame it finds, or "eof" without one.
Usage: pingflood.py URL QUIET GO"""
import base64
import os
import select
import socket
import struct
import sys
import time
import urllib.parse


def connect(url):
    """The upgraded socket; exits 1 unless the answer is 101."""
    u = urllib.parse.urlsplit(url)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect((u.hostname, u.port))
    key = base64.b64encode(os.urandom(16)).decode()
    path = u.path + ("?" + u.query if u.query else "")
    s.sendall((f"GET {path} HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\n"
               "Upgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        b = s.recv(1)  # byte by byte: nothing past the head is taken
        if not b:
            sys.exit("no answer to the upgrade")
        head += b
    if not head.startswith(b"HTTP/1.1 101"):
        sys.exit("upgrade refused: " + head.split(b"\r\n")[0].decode())
    return s


def ping_frame():
    mask = os.urandom(4)
    payload = bytes(125)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([0x89, 0x80 | 125]) + mask + masked


def flood(s, quiet):
    """Pings as fast as the socket takes them, until it takes none for
    quiet seconds.  Ends on that, not on a time: how many pings a loaded
    machine sends in a while is no measure of the server's bound."""
    frame, n, off = ping_frame(), 0, 0
    s.setblocking(False)
    now = time.monotonic()
    end, taken, why = now + 120, now, "still taken after 120 s"
    while now < end:
        select.select([], [s], [], 0.1)
        now = time.monotonic()
        if now - taken >= quiet:
            why = "stopped"
            break
        try:
            off += s.send(frame[off:])
        except BlockingIOError:
            continue
        except OSError as e:
            why = f"send failed: {e}"
            break
        taken = now
        if off == len(frame):
            n, off = n + 1, 0
    print(f"flooded {n} ({why})", flush=True)


def close_code(s):
    """Reads frames to the end; the close frame's code, or None."""
    s.setblocking(True)
    s.settimeout(30)
    buf = b""
    while True:
        try:
            b = s.recv(1 << 16)
        except (ConnectionResetError, socket.timeout):
            b = b""
        buf += b
        while len(buf) >= 2:
            op, n, h = buf[0] & 0x0f, buf[1] & 0x7f, 2
            if n == 126:
                if len(buf) < 4:
                    break
                n, h = struct.unpack(">H", buf[2:4])[0], 4
            elif n == 127:
                if len(buf) < 10:
                    break
                n, h = struct.unpack(">Q", buf[2:10])[0], 10
            if len(buf) < h + n:
                break
            if op == 0x8:
                return struct.unpack(">H", buf[h:h + 2])[0] if n >= 2 else 1005
            buf = buf[h + n:]
        if not b:
            return None


def main():
    url, quiet, go = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    s = connect(url)
    flood(s, quiet)
    end = time.monotonic() + 120
    while not os.path.exists(go) and time.monotonic() < end:
        time.sleep(0.2)
    code = close_code(s)
    print(f"close {code}" if code is not None else "eof", flush=True)


if __name__ == "__main__":
    main()
