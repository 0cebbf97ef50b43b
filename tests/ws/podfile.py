#!/usr/bin/python3
"""podfile.py - a file of a session's home, read or written through the
whole viewer path (ssd-api, relay, agent, pod): connects a WebSocket
(python3-websockets) to URL (/api/v1/vnc/ID?token=...), takes the
greeting of kube-sim's pod-default, sends one line ("SIM-PUT /config/x
text" or "SIM-GET /config/x") and prints the pod's one-line answer.
Exit status 0 once an answer came.  Usage: podfile.py URL LINE"""
import asyncio
import sys

import websockets


async def main(url, line):
    async with websockets.connect(url, max_size=None, open_timeout=20,
                                  close_timeout=2, compression=None) as ws:
        buf = b""
        while len(buf) < 12:
            buf += await ws.recv()
        buf = buf[12:]
        await ws.send(line.encode() + b"\n")
        while b"\n" not in buf:
            buf += await ws.recv()
        print(buf.split(b"\n")[0].decode(), flush=True)


try:
    asyncio.run(asyncio.wait_for(main(sys.argv[1], sys.argv[2]), 60))
except Exception as e:  # one line for the test's log
    print(f"error: {type(e).__name__}: {e}", flush=True)
    sys.exit(1)
