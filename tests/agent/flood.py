#!/usr/bin/python3
"""flood.py - an approved agent that turns hostile: after a correct
handshake it sends garbage frames and malformed messages as fast as it
can, and prints how the hub ended the link."""
import base64
import os
import socket
import struct
import sys

host, port, agent, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
s = socket.create_connection((host, port), timeout=5)
wskey = base64.b64encode(os.urandom(16)).decode()
s.sendall((f"GET /api/v1/agent/connect?agent_id={agent} HTTP/1.1\r\nHost: x\r\n"
           f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {wskey}\r\n"
           f"Sec-WebSocket-Version: 13\r\nX-Agent-API-Key: {key}\r\n\r\n").encode())
head = s.recv(4096)
print("handshake", head.split(b"\r\n")[0].decode(), flush=True)


def frame(opcode, payload):
    mask = os.urandom(4)
    n = len(payload)
    hdr = bytes([0x80 | opcode])
    hdr += bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n)
    return hdr + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


try:
    # Malformed messages first (counted, then the link is closed), then garbage.
    for i in range(20):
        s.sendall(frame(1, b"{not json"))
    for i in range(1000):
        s.sendall(os.urandom(64))
except OSError:
    pass
s.settimeout(30)
data = b""
try:
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
except OSError:
    pass
i = data.find(b"\x88")
print("close", struct.unpack(">H", data[i + 2:i + 4])[0] if i >= 0 and len(data) >= i + 4 else "none",
      flush=True)
