#!/usr/bin/python3
"""rfbclient.py - a VNC viewer in a few lines, for the end-to-end tests:
connects a WebSocket (python3-websockets) to URL, speaks RFB 3.8 through
it (security None, shared ClientInit), asks for the whole screen and
prints one JSON line with the server's name, size and the first
FramebufferUpdate's rectangle count.  Exit status 0 only if all that
happened within the timeout.  With HOLD seconds it then goes on asking
for small updates (raw, 16x16) every 100 ms and prints how many came,
or how the stream ended.
Usage: rfbclient.py URL [SUBPROTOCOL] [HOLD]"""
import asyncio
import json
import struct
import sys

import websockets


class Stream:
    """The WebSocket's binary messages as a byte stream."""

    def __init__(self, ws):
        self.ws, self.buf = ws, b""

    async def read(self, n):
        while len(self.buf) < n:
            m = await self.ws.recv()
            if not isinstance(m, bytes):
                raise ValueError("a text message")
            self.buf += m
        out, self.buf = self.buf[:n], self.buf[n:]
        return out


async def hold(ws, s, seconds):
    """Small updates until the time is up; the count, or the close."""
    n, end = 0, asyncio.get_running_loop().time() + seconds
    try:
        await ws.send(struct.pack(">BBHi", 2, 0, 1, 0))  # raw only
        while asyncio.get_running_loop().time() < end:
            await ws.send(struct.pack(">BBHHHH", 3, 0, 0, 0, 16, 16))
            while True:
                t = (await s.read(1))[0]
                if t == 0:
                    break
                if t == 2:  # bell
                    continue
                raise ValueError(f"message type {t}")
            _, rects = struct.unpack(">BH", await s.read(3))
            for _ in range(rects):
                _, _, w, h, enc = struct.unpack(">HHHHi", await s.read(12))
                await s.read(w * h * 4 if enc == 0 else 0)
            n += 1
            await asyncio.sleep(0.1)
    except websockets.exceptions.ConnectionClosed as e:
        print(json.dumps({"updates": n, "closed": e.code,
                          "reason": e.reason}), flush=True)
        return False
    print(json.dumps({"updates": n}), flush=True)
    return True


async def main(url, subprotocol, seconds):
    protos = [subprotocol] if subprotocol else None
    async with websockets.connect(url, subprotocols=protos, max_size=None,
                                  open_timeout=10, close_timeout=2,
                                  compression=None) as ws:
        s = Stream(ws)
        version = await s.read(12)
        await ws.send(b"RFB 003.008\n")
        n = (await s.read(1))[0]
        types = await s.read(n)
        if 1 not in types:
            raise ValueError(f"no security type None in {list(types)}")
        await ws.send(bytes([1]))
        if struct.unpack(">I", await s.read(4))[0] != 0:
            raise ValueError("security failed")
        await ws.send(bytes([1]))  # ClientInit: shared
        w, h = struct.unpack(">HH", await s.read(4))
        await s.read(16)  # pixel format
        name = (await s.read(struct.unpack(">I", await s.read(4))[0])).decode()
        await ws.send(struct.pack(">BBHHHH", 3, 0, 0, 0, w, h))
        while True:
            t = (await s.read(1))[0]
            if t == 0:
                break
            raise ValueError(f"message type {t} before an update")
        _, rects = struct.unpack(">BH", await s.read(3))
        if seconds > 0:
            for _ in range(rects):  # raw: we asked for no other encoding
                _, _, rw, rh, _ = struct.unpack(">HHHHi", await s.read(12))
                await s.read(rw * rh * 4)
        # Printed once the update is in: a test may act on it, and what
        # follows is hold(), which reports how the stream ends.
        print(json.dumps({"version": version.decode().strip(), "name": name,
                          "width": w, "height": h, "rects": rects,
                          "protocol": ws.subprotocol}), flush=True)
        if seconds <= 0:
            return True
        return await hold(ws, s, seconds)


done = False
HOLD = float(sys.argv[3]) if len(sys.argv) > 3 else 0
try:
    done = asyncio.run(asyncio.wait_for(main(sys.argv[1], sys.argv[2] if
                                             len(sys.argv) > 2 else "",
                                             HOLD), 20 + HOLD))
except Exception as e:  # one line for the test's log
    print(json.dumps({"error": f"{type(e).__name__}: {e}"}), flush=True)
sys.exit(0 if done else 1)
