#!/usr/bin/python3
"""echo-server.py - a strict WebSocket peer for ssd's client cross-test,
on Debian's python3-websockets: echoes every message, and on cue sends a
fragmented message with a ping inside ("fragment"), pings and reports the
pong ("ping"), or closes with a code ("close:CODE").  Prints its port."""
import asyncio
import sys

import websockets


async def handler(ws, path=None):
    async for msg in ws:
        if msg == "fragment":
            async def parts():
                yield "frag"
                await ws.ping(b"in-between")
                yield "ment"
                yield "ed"
            await ws.send(parts())
        elif msg == "ping":
            waiter = await ws.ping(b"are you there")
            await asyncio.wait_for(waiter, 5)
            await ws.send("pong-ok")
        elif isinstance(msg, str) and msg.startswith("close:"):
            await ws.close(int(msg[6:]), "bye")
        else:
            await ws.send(msg)


async def main():
    async with websockets.serve(handler, "127.0.0.1", 0,
                                subprotocols=["chat"],
                                max_size=4 << 20, compression=None) as srv:
        print(srv.sockets[0].getsockname()[1], flush=True)
        await asyncio.sleep(60)


asyncio.run(main())
