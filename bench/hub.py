#!/usr/bin/python3
"""hub.py - N agents on one ssd: each dials its control link, says hello,
heartbeats every 30 s.  Once all are up it measures ssd-hub's CPU and RSS
at steady state, then the command round trip: POST /api/v1/sessions to
the agent's ack leaving (the agent acks as soon as the command arrives).
The agents share this process's event loop, whose own lag would count in
the round trip: it is printed too, and kept small.  An agent is a bare
asyncio protocol with its own WebSocket framing (with the websockets
library, ssd-hub's pings, which come in bursts of a thousand links,
stalled the loop up to 60 ms at 10,000 agents), heartbeats are spread
over the 30 s as in a fleet at steady state, and the connections'
objects are frozen out of the garbage collector (its full passes over
10,000 of them stalled the loop 0.4 s).
With "hold" (bench/metrics.sh) it only connects the agents, says how many
are up, and keeps them (acking commands) until it is killed.
Usage: hub.py URL KEY N TOKEN HUB_PID [hold]"""
import asyncio
import base64
import gc
import json
import os
import random
import struct
import sys
import time

url, key, n, token, hub_pid = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
hold = sys.argv[6:] == ["hold"]
host, port = url.split("//")[1].split(":")
port = int(port)
received = {}
connected = 0
# Commands sent before the measured ones: PostgreSQL plans a prepared
# statement anew on its first five runs on a connection, a cost paid once
# per connection, not per command.
WARMUP = 20
HEARTBEAT = json.dumps({"type": "heartbeat", "payload": {
    "status": "online", "activeSessions": 0, "capacity": {"max_sessions": 1000}}}).encode()
HELLO = json.dumps({"type": "hello", "payload": {"version": "bench"}}).encode()
OP_TEXT, OP_CLOSE, OP_PING, OP_PONG = 1, 8, 9, 10


class Agent(asyncio.Protocol):
    """One agent's control link: RFC 6455 client framing, small frames."""

    def __init__(self, i):
        self.i = i
        self.buf = bytearray()
        self.up = asyncio.get_running_loop().create_future()
        self.transport = None
        self.beat = None

    def connection_made(self, transport):
        self.transport = transport
        transport.write((f"GET /api/v1/agent/connect?agent_id=bench-{self.i} HTTP/1.1\r\n"
                         f"Host: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\n"
                         f"Sec-WebSocket-Version: 13\r\nX-Agent-API-Key: {key}\r\n\r\n").encode())

    def send(self, opcode, data):
        mask = os.urandom(4)
        m = int.from_bytes(mask * (len(data) // 4 + 1), "big") >> (8 * (4 - len(data) % 4))
        body = (int.from_bytes(data, "big") ^ m).to_bytes(len(data), "big") if data else b""
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | len(data)) if len(data) < 126 else \
            struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, len(data))
        self.transport.write(head + mask + body)

    def heartbeat(self):
        if not self.transport.is_closing():
            self.send(OP_TEXT, HEARTBEAT)
            self.beat = asyncio.get_running_loop().call_later(30, self.heartbeat)

    def data_received(self, data):
        self.buf += data
        if not self.up.done():
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            if not self.buf.startswith(b"HTTP/1.1 101"):
                self.up.set_exception(ConnectionError(bytes(self.buf[:end]).decode(errors="replace")))
                self.transport.close()
                return
            del self.buf[:end + 4]
            self.up.set_result(True)
            self.send(OP_TEXT, HELLO)
            self.send(OP_TEXT, HEARTBEAT)
            self.beat = asyncio.get_running_loop().call_later(random.uniform(0, 30), self.heartbeat)
        while len(self.buf) >= 2:
            opcode, size, at = self.buf[0] & 0x0F, self.buf[1] & 0x7F, 2
            if size == 126:
                if len(self.buf) < 4:
                    return
                size, at = struct.unpack_from("!H", self.buf, 2)[0], 4
            elif size == 127:
                if len(self.buf) < 10:
                    return
                size, at = struct.unpack_from("!Q", self.buf, 2)[0], 10
            if len(self.buf) < at + size:
                return
            payload = bytes(self.buf[at:at + size])
            del self.buf[:at + size]
            if opcode == OP_TEXT:
                self.message(payload)
            elif opcode == OP_PING:
                self.send(OP_PONG, payload)
            elif opcode == OP_CLOSE:
                self.transport.close()
                return

    def message(self, payload):
        m = json.loads(payload)
        if m.get("type") == "command":
            received[m["payload"]["sessionId"]] = time.perf_counter()
            self.send(OP_TEXT, json.dumps({"type": "ack", "id": m["id"]}).encode())

    def connection_lost(self, exc):
        if self.beat is not None:
            self.beat.cancel()
        if not self.up.done():
            self.up.set_exception(exc or ConnectionError("closed"))


async def agent(i, ready):
    global connected
    loop = asyncio.get_running_loop()
    try:
        for attempt in range(20):
            proto = None
            try:
                _, proto = await loop.create_connection(lambda: Agent(i), host, port)
                await asyncio.wait_for(proto.up, 30)
                connected += 1
                return
            except (OSError, asyncio.TimeoutError):
                if proto is not None:
                    proto.transport.close()
                await asyncio.sleep(0.2 * (attempt + 1))
    finally:
        ready.release()


async def loop_lag(lags):
    """How late the loop wakes a 5 ms sleep: its own delay to every agent."""
    while True:
        t = time.perf_counter()
        await asyncio.sleep(0.005)
        lags.append((time.perf_counter() - t - 0.005) * 1000)


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
    gc.freeze()
    if hold:
        print(f"agents connected: {connected}/{n} in {up:.1f} s", flush=True)
        await asyncio.Event().wait()
    await asyncio.sleep(5)
    c0, w0 = cpu_ticks(hub_pid), time.time()
    await asyncio.sleep(15)
    cpu = (cpu_ticks(hub_pid) - c0) / os.sysconf("SC_CLK_TCK") / (time.time() - w0) * 100
    rss = rss_kib(hub_pid)
    rtts, lags = [], []
    lag = asyncio.create_task(loop_lag(lags))
    lost = 0
    for i in range(WARMUP + 200):
        sid, t0 = await post_session()
        while sid not in received and time.perf_counter() - t0 < 5:
            await asyncio.sleep(0.001)
        if i < WARMUP:
            continue
        if sid in received:
            rtts.append((received[sid] - t0) * 1000)
        else:
            lost += 1
    lag.cancel()
    rtts.sort()
    lags.sort()
    p = lambda q, v=rtts: v[min(len(v) - 1, int(q * len(v)))] if v else float("nan")
    print(f"agents connected: {connected}/{n} in {up:.1f} s")
    print(f"ssd-hub CPU at steady state: {cpu:.2f} % of a core")
    print(f"ssd-hub RSS: {rss} KiB ({(rss - rss0) / max(connected, 1):.2f} KiB per agent)")
    print(f"command round trip (POST /api/v1/sessions -> agent has it): "
          f"p50 {p(0.5):.2f} ms, p99 {p(0.99):.2f} ms over {len(rtts)} commands "
          f"(after {WARMUP} warm-up commands)"
          f"{f' ({lost} not there within 5 s)' if lost else ''}")
    print(f"bench client's event loop lag meanwhile: p99 {p(0.99, lags):.2f} ms, "
          f"max {p(1, lags):.2f} ms")
    if connected < n or lost or not rtts:
        print(f"bench/hub.py: failed: {connected} of {n} agents connected, "
              f"{lost} commands not there within 5 s", file=sys.stderr, flush=True)
        os._exit(1)
    os._exit(0)


asyncio.run(main())
