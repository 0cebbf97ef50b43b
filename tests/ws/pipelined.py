#!/usr/bin/python3
# pipelined.py [data|control] PORT KEY AGENT - an agent's link whose
# first frame goes in the same write as its upgrade request.
#   data     a data link's mux PING: exit 0 once the relay's PONG of it
#            comes back, 1 (with why) otherwise.
#   control  a control link's heartbeat with capacity max_sessions 77:
#            exit 0 once the 101 has come, the link held 5 s more for the
#            hub to store it (the caller checks that it did).
#   flash    the same, but the link closes as soon as the 101 has come.
import socket
import struct
import sys
import time

mode = "data"
if sys.argv[1] in ("data", "control", "flash"):
    mode = sys.argv.pop(1)
port, key, agent = int(sys.argv[1]), sys.argv[2], sys.argv[3]
path, proto = "data", "Sec-WebSocket-Protocol: ssd-mux.v1\r\n"
if mode != "data":
    path, proto = "connect", ""
req = ("GET /api/v1/agent/%s?agent_id=%s HTTP/1.1\r\n"
       "Host: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
       "Sec-WebSocket-Version: 13\r\n"
       "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n%s"
       "X-Agent-API-Key: %s\r\n\r\n" % (path, agent, proto, key)).encode()
if mode != "data":
    op, msg = 0x81, ('{"type":"heartbeat","timestamp":%d,"payload":'
                     '{"status":"online","activeSessions":0,'
                     '"capacity":{"max_sessions":77}}}' % time.time()).encode()
else:
    op, msg = 0x82, bytes([8]) + struct.pack(">II", 0, 8) + b"pipelind"
mask = b"\x11\x22\x33\x44"
frame = bytes([op, 0x80 | len(msg)]) + mask + \
    bytes(b ^ mask[i % 4] for i, b in enumerate(msg))
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(req + frame)
deadline = time.time() + 5
buf = b""
while b"\r\n\r\n" not in buf and time.time() < deadline:
    buf += s.recv(4096)
head, _, buf = buf.partition(b"\r\n\r\n")
if b" 101 " not in head.split(b"\r\n")[0]:
    sys.exit("no 101: %r" % head[:80])
if mode != "data":
    time.sleep(5 if mode == "control" else 0)
    print("held")
    sys.exit(0)
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
