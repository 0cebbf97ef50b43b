#!/usr/bin/python3
"""idleviewer.py - a VNC viewer that either only looks or also types,
for the idle policy's tests: connects a WebSocket (python3-websockets) to
URL, speaks the client's side of RFB 3.8 (security None, shared
ClientInit, SetEncodings) whatever answers it, then every 200 ms sends
a FramebufferUpdateRequest, as an untouched noVNC does, and with MODE
"input" a PointerEvent too.  With "input" it prints {"held": SECONDS}
once it has done so for SECONDS, and goes on until the file STOP exists
(then closes: {"closed": null}); with "read" it goes on until the server
closes.  The last line says how the stream ended: {"closed": CODE,
"reason": REASON}.  Started as soon as the session is created, it tries
again until the session runs (409) for up to CONNECT_WAIT seconds, and so
attaches the moment its idle countdown starts.  Usage: idleviewer.py URL
input|read SECONDS STOP"""
import asyncio
import json
import os
import struct
import sys
import time

import websockets

CONNECT_WAIT = 90
REQUEST = struct.pack(">BBHHHH", 3, 1, 0, 0, 1024, 768)


async def drain(ws):
    while True:
        await ws.recv()


async def connect(url):
    deadline = time.monotonic() + CONNECT_WAIT
    while True:
        try:
            return await websockets.connect(url, max_size=None,
                                            open_timeout=20, close_timeout=2,
                                            compression=None)
        except (OSError, websockets.exceptions.InvalidHandshake):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)


async def view(ws, mode, seconds, stop):
    reader = asyncio.ensure_future(drain(ws))
    await ws.send(b"RFB 003.008\n")
    await ws.send(b"\x01\x01")
    await ws.send(struct.pack(">BBHi", 2, 0, 1, 0))
    start, held, x = time.monotonic(), False, 0
    try:
        while True:
            msg = REQUEST
            if mode == "input":
                x = (x + 7) % 1000
                msg = struct.pack(">BBHH", 5, 0, x, 100) + REQUEST
            await ws.send(msg)
            if mode == "input" and not held and \
                    time.monotonic() - start >= seconds:
                held = True
                print(json.dumps({"held": seconds}), flush=True)
            if held and os.path.exists(stop):
                reader.cancel()
                print(json.dumps({"closed": None}), flush=True)
                return
            if reader.done():
                reader.result()
            await asyncio.sleep(0.2)
    except websockets.exceptions.ConnectionClosed as e:
        print(json.dumps({"closed": e.code, "reason": e.reason}),
              flush=True)


async def main(url, mode, seconds, stop):
    ws = await connect(url)
    try:
        await view(ws, mode, seconds, stop)
    finally:
        await ws.close()


try:
    asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3]),
                     sys.argv[4]))
except Exception as e:  # one line for the test's log
    print(json.dumps({"error": f"{type(e).__name__}: {e}"}), flush=True)
    sys.exit(1)
