#!/usr/bin/python3
# pipelined.py PORT KEY AGENT - an agent's data link whose first frame
# (a mux PING) goes in the same write as its upgrade request: exit 0 once
# the relay's PONG of it comes back, 1 (with why) otherwise.
import socket
import struct
import sys
import time

port, key, agent = int(sys.argv[1]), sys.argv[2], sys.argv[3]
req = ("GET /api/v1/agent/data?agent_id=%s HTTP/1.1\r\n"
       "Host: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
       "Sec-WebSocket-Version: 13\r\n"
       "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
       "Sec-WebSocket-Protocol: ssd-mux.v1\r\n"
       "X-Agent-API-Key: %s\r\n\r\n" % (agent, key)).encode()
ping = bytes([8]) + struct.pack(">II", 0, 8) + b"pipelind"
mask = b"\x11\x22\x33\x44"
frame = bytes([0x82, 0x80 | len(ping)]) + mask + \
    bytes(b ^ mask[i % 4] for i, b in enumerate(ping))
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(req + frame)
deadline = time.time() + 5
buf = b""
while b"\r\n\r\n" not in buf and time.time() < deadline:
    buf += s.recv(4096)
head, _, buf = buf.partition(b"\r\n\r\n")
if b" 101 " not in head.split(b"\r\n")[0]:
    sys.exit("no 101: %r" % head[:80])
while time.time() < deadline:
    while len(buf) >= 2:
        n, off = buf[1] & 0x7f, 2
        if n == 126:
            if len(buf) < 4:
                break
            n, off = struct.unpack(">H", buf[2:4])[0], 4
        if len(buf) < off + n:
            break
        msg, buf = buf[off:off + n], buf[off + n:]
        if len(msg) >= 17 and msg[0] == 9 and msg[9:17] == b"pipelind":
            print("pong")
            sys.exit(0)
    try:
        data = s.recv(65536)
    except socket.timeout:
        break
    if not data:
        break
    buf += data
sys.exit("no PONG of the pipelined PING")
