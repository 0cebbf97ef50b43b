#!/usr/bin/python3
"""bytetarget.py - byte targets run as kube-sim pods (agent-vnc.sh,
bench/vnc.sh):
  source IP PORT BYTES   each connection gets BYTES bytes, then a close
  sink IP PORT FILE      each connection is read to its end; the byte
                         count is appended to FILE
  banner IP PORT -       each connection gets an RFB banner and is held
                         until the peer closes (idle streams, thousands)"""
import asyncio
import socket
import sys
import threading

CHUNK = b"\x5a" * (1 << 20)


def source(conn, total):
    left = total
    while left > 0:
        n = min(left, len(CHUNK))
        conn.sendall(CHUNK[:n])
        left -= n
    conn.close()


def sink(conn, path):
    n = 0
    while True:
        b = conn.recv(1 << 20)
        if not b:
            break
        n += len(b)
    conn.close()
    with open(path, "a") as f:
        f.write(f"{n}\n")


async def banner(ip, port):
    async def hold(reader, writer):
        writer.write(b"RFB 003.008\n")
        await writer.drain()
        while await reader.read(65536):
            pass
        writer.close()

    srv = await asyncio.start_server(hold, ip, port, backlog=4096,
                                     reuse_address=True)
    async with srv:
        await srv.serve_forever()


def main():
    mode, ip, port, arg = sys.argv[1:5]
    if mode == "banner":
        asyncio.run(banner(ip, int(port)))
        return
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((ip, int(port)))
    srv.listen(1024)
    while True:
        conn, _ = srv.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        work = source if mode == "source" else sink
        threading.Thread(target=work, args=(conn, int(arg) if mode ==
                                            "source" else arg),
                         daemon=True).start()


main()
