#!/usr/bin/python3
"""hub.py - N agents on one ssd: each dials its control link, says hello,
heartbeats every 30 s.  Once all are up it measures ssd-hub's CPU and RSS
at steady state, then the command round trip: POST /api/v1/sessions to
the agent's ack leaving (the agent acks as soon as the command arrives).
Usage: hub.py URL KEY N TOKEN HUB_PID"""
import asyncio
import json
import os
import sys
import time

import websockets

url, key, n, token, hub_pid = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
host, port = url.split("//")[1].split(":")
port = int(port)
received = {}
connected = 0


async def agent(i, ready):
    global connected
    uri = f"ws://{host}:{port}/api/v1/agent/connect?agent_id=bench-{i}"
    for attempt in range(20):
        try:
            ws = await websockets.connect(uri, extra_headers={"X-Agent-API-Key": key},
                                          open_timeout=30, ping_interval=None,
                                          max_size=1 << 20)
            break
        except Exception:
            await asyncio.sleep(0.2 * (attempt + 1))
    else:
        ready.release()
        return
    connected += 1
    ready.release()
    await ws.send(json.dumps({"type": "hello", "payload": {"version": "bench"}}))
    next_hb = 0
    while True:
        if time.time() >= next_hb:
            await ws.send(json.dumps({"type": "heartbeat", "payload": {
                "status": "online", "activeSessions": 0, "capacity": {"max_sessions": 1000}}}))
            next_hb = time.time() + 30
        try:
            raw = await asyncio.wait_for(ws.recv(), 5)
        except asyncio.TimeoutError:
            continue
        except websockets.exceptions.ConnectionClosed:
            return
        m = json.loads(raw)
        if m.get("type") == "command":
            received[m["payload"]["sessionId"]] = time.perf_counter()
            await ws.send(json.dumps({"type": "ack", "id": m["id"]}))


def cpu_ticks(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])


def rss_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def post_session():
    r, w = await asyncio.open_connection(host, port)
    body = b'{"template":"firefox"}'
    w.write(b"POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            b"Authorization: Bearer " + token.encode() + b"\r\n"
            b"Content-Type: application/json\r\nContent-Length: " + str(len(body)).encode() +
            b"\r\n\r\n" + body)
    t0 = time.perf_counter()
    data = await r.read()
    w.close()
    sid = json.loads(data.split(b"\r\n\r\n", 1)[1]).get("id")
    return sid, t0


async def main():
    rss0 = rss_kib(hub_pid)
    ready = asyncio.Semaphore(200)
    tasks = []
    t = time.time()
    for i in range(n):
        await ready.acquire()
        tasks.append(asyncio.create_task(agent(i, ready)))
    while connected < n and time.time() - t < 300:
        await asyncio.sleep(0.5)
        if all(x.done() for x in tasks[-10:]) and connected < n:
            break
    up = time.time() - t
    await asyncio.sleep(5)
    c0, w0 = cpu_ticks(hub_pid), time.time()
    await asyncio.sleep(15)
    cpu = (cpu_ticks(hub_pid) - c0) / os.sysconf("SC_CLK_TCK") / (time.time() - w0) * 100
    rss = rss_kib(hub_pid)
    rtts = []
    for _ in range(200):
        sid, t0 = await post_session()
        for _ in range(200):
            if sid in received:
                rtts.append((received[sid] - t0) * 1000)
                break
            await asyncio.sleep(0.001)
    rtts.sort()
    p = lambda q: rtts[min(len(rtts) - 1, int(q * len(rtts)))] if rtts else float("nan")
    print(f"agents connected: {connected}/{n} in {up:.1f} s")
    print(f"ssd-hub CPU at steady state: {cpu:.2f} % of a core")
    print(f"ssd-hub RSS: {rss} KiB ({(rss - rss0) / max(connected, 1):.2f} KiB per agent)")
    print(f"command round trip (POST /api/v1/sessions -> agent has it): "
          f"p50 {p(0.5):.2f} ms, p99 {p(0.99):.2f} ms over {len(rtts)} commands")
    os._exit(0)


asyncio.run(main())
