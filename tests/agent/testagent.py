#!/usr/bin/python3
"""testagent.py - a scripted agent for the hub's integration tests: dials
the control link, says hello, sends a heartbeat, then answers every
command (ack, then complete, or failed when --fail names its type) and
prints what it saw as JSON lines.  Exits after --seconds."""
import argparse
import asyncio
import json
import sys
import time

import websockets


def out(**kw):
    print(json.dumps(kw), flush=True)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--agent", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--fail", default="")
    ap.add_argument("--fail-retryable", default="",
                    help="fail this command type once, as retryable")
    ap.add_argument("--complete", default="", help="claim this command id")
    ap.add_argument("--state", default="", help="file of executed command ids")
    ap.add_argument("--sessions", default=None,
                    help="comma-separated session ids to report on connect")
    ap.add_argument("--silent", action="store_true",
                    help="after hello, stop reading (no pongs either)")
    a = ap.parse_args()
    uri = f"{a.url}/api/v1/agent/connect?agent_id={a.agent}"
    try:
        ws = await websockets.connect(uri, extra_headers={"X-Agent-API-Key": a.key},
                                      open_timeout=5)
    except websockets.exceptions.InvalidStatusCode as e:
        out(event="refused", status=e.status_code)
        return
    out(event="connected")
    await ws.send(json.dumps({"type": "hello", "timestamp": int(time.time()),
                              "payload": {"version": "test-1", "capabilities": []}}))
    await ws.send(json.dumps({"type": "heartbeat", "payload": {
        "status": "online", "activeSessions": 0, "capacity": {"max_sessions": 5}}}))
    await ws.send(json.dumps({"type": "bogus"}))
    if a.sessions is not None:
        ids = [s for s in a.sessions.split(",") if s]
        await ws.send(json.dumps({"type": "sessions", "payload": {
            "sessions": [{"sessionId": s, "state": "running"} for s in ids]}}))
    if a.complete:
        await ws.send(json.dumps({"type": "complete", "id": a.complete}))
    if a.silent:
        ws.transport.pause_reading()
        await asyncio.sleep(a.seconds)
        out(event="done")
        return
    deadline = time.time() + a.seconds
    retried = set()
    try:
        while time.time() < deadline:
            try:
                raw = await asyncio.wait_for(ws.recv(), deadline - time.time())
            except asyncio.TimeoutError:
                break
            m = json.loads(raw)
            out(event="message", type=m.get("type"), id=m.get("id"),
                payload=m.get("payload"))
            if m.get("type") == "command":
                p = m["payload"]
                # Idempotent by command id: a re-sent command is answered
                # again but executed once.
                try:
                    done = set(open(a.state).read().split())
                except (FileNotFoundError, ValueError):
                    done = set()
                if m["id"] not in done:
                    out(event="execute", id=m["id"])
                    if a.state:
                        with open(a.state, "a") as f:
                            f.write(m["id"] + "\n")
                await ws.send(json.dumps({"type": "ack", "id": m["id"]}))
                if p["commandType"] == a.fail_retryable and m["id"] not in retried:
                    retried.add(m["id"])
                    await ws.send(json.dumps({"type": "failed", "id": m["id"],
                                              "payload": {"error": "API server busy",
                                                          "retryable": True}}))
                elif p["commandType"] == a.fail:
                    await ws.send(json.dumps({"type": "failed", "id": m["id"],
                                              "payload": {"error": "image pull failed"}}))
                else:
                    await ws.send(json.dumps({"type": "complete", "id": m["id"],
                                              "payload": {"podName": p["sessionId"] + "-pod"}}))
                # Answers for another agent's command must be refused.
                await ws.send(json.dumps({"type": "complete", "id": "cmd-not-mine"}))
    except websockets.exceptions.ConnectionClosed as e:
        out(event="closed", code=e.code)
        return
    await ws.close()
    out(event="done")


asyncio.run(main())
