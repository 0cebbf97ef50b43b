#!/usr/bin/python3
"""bytetarget.py - byte targets run as kube-sim pods (agent-vnc.sh,
bench/vnc.sh):
  source IP PORT BYTES   each connection gets BYTES bytes, then a close
  sink IP PORT FILE      each connection is read to its end; the byte
                         count is appended to FILE
  banner IP PORT -       each connection gets an RFB banner and is held
                         until the peer closes (idle streams, thousands)
  rfb IP PORT -          a minimal RFB 3.8 server (security None, 64x64,
                         raw): many opens at once, which Xvnc stalls on"""
import asyncio
import socket
import struct
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


async def serve_many(handler, ip, port):
    """handler for each connection, thousands at once."""
    srv = await asyncio.start_server(handler, ip, port, backlog=4096,
                                     reuse_address=True)
    async with srv:
        await srv.serve_forever()


async def banner(ip, port):
    async def hold(reader, writer):
        writer.write(b"RFB 003.008\n")
        await writer.drain()
        while await reader.read(65536):
            pass
        writer.close()

    await serve_many(hold, ip, port)


RFB_W = RFB_H = 64
# 32 bpp, depth 24, little-endian true colour, 8 bits each at 16, 8, 0.
PIXEL_FORMAT = struct.pack(">BBBBHHHBBB3x", 32, 24, 0, 1, 255, 255, 255,
                           16, 8, 0)
# Bytes after the type of each client message of fixed length.
FIXED = {0: 19, 4: 7, 5: 5}


async def rfb_session(reader, writer):
    writer.write(b"RFB 003.008\n")
    await reader.readexactly(12)
    writer.write(b"\x01\x01")
    await reader.readexactly(1)
    writer.write(b"\x00\x00\x00\x00")
    await reader.readexactly(1)
    name = b"bytetarget"
    writer.write(struct.pack(">HH", RFB_W, RFB_H) + PIXEL_FORMAT +
                 struct.pack(">I", len(name)) + name)
    while True:
        kind = (await reader.readexactly(1))[0]
        if kind in FIXED:
            await reader.readexactly(FIXED[kind])
        elif kind == 2:
            n = struct.unpack(">xH", await reader.readexactly(3))[0]
            await reader.readexactly(4 * n)
        elif kind == 6:
            n = struct.unpack(">3xI", await reader.readexactly(7))[0]
            await reader.readexactly(n)
        elif kind == 3:
            x, y, w, h = struct.unpack(">xHHHH", await reader.readexactly(9))
            w = max(0, min(w, RFB_W - x))
            h = max(0, min(h, RFB_H - y))
            writer.write(struct.pack(">BxHHHHHi", 0, 1, x, y, w, h, 0) +
                         bytes(w * h * 4))
            await writer.drain()
        else:
            return


async def rfb(ip, port):
    async def serve(reader, writer):
        writer.transport.get_extra_info("socket").setsockopt(
            socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            await rfb_session(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    await serve_many(serve, ip, port)


def main():
    mode, ip, port, arg = sys.argv[1:5]
    if mode in ("banner", "rfb"):
        asyncio.run((banner if mode == "banner" else rfb)(ip, int(port)))
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
