"""websocket.py - pods/portforward over WebSocket (KUBERNETES.md 4.2):
a minimal server side of RFC 6455 (masked client frames, fragments,
ping/pong, close) and the kubelet's v4.channel.k8s.io and
v4.base64.channel.k8s.io framing: one TCP connection per requested port,
two port-prefix messages per port, data on channel 2i, errors as text on
channel 2i+1.  SPDY (the tunnelled SPDY/3.1+portforward.k8s.io and the
plain SPDY/3.1 upgrade) is refused with 400.  One thread per WebSocket:
select() over the client and the pod sockets, so the TLS object is only
ever used by that thread."""
import base64
import hashlib
import select
import socket
import ssl
import struct

from .meta import ApiError, bad_request

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
PROTOCOLS = ("v4.channel.k8s.io", "v4.base64.channel.k8s.io")
MAX_MESSAGE = 16 << 20
READ_CHUNK = 32 << 10


class WsClosed(Exception):
    pass


def spdy_refusal():
    return bad_request("unable to upgrade connection: SPDY port-forward "
                       "(SPDY/3.1, SPDY/3.1+portforward.k8s.io) is not "
                       "supported by kube-sim; use a WebSocket with "
                       "v4.channel.k8s.io")


def parse_ports(query):
    raw = query.get("ports", []) + query.get("port", [])
    ports = []
    for item in raw:
        for p in item.split(","):
            p = p.strip()
            if not p:
                continue
            if not p.isdigit() or not 1 <= int(p) <= 65535:
                raise bad_request(f'invalid port "{p}"')
            ports.append(int(p))
    if not ports:
        raise bad_request('query parameter "port" is required')
    return ports


def handshake(h, pod, query):
    """Checks the upgrade request and answers 101; -> (ports, base64?)."""
    offered = [p.strip() for p in
               h.headers.get("Sec-WebSocket-Protocol", "").split(",")
               if p.strip()]
    if h.headers.get("Upgrade", "").lower().startswith("spdy") or (
            offered and all(p.startswith("SPDY/") for p in offered)):
        raise spdy_refusal()
    if h.headers.get("Upgrade", "").lower() != "websocket" or \
            "upgrade" not in h.headers.get("Connection", "").lower():
        raise bad_request("Upgrade request required")
    key = h.headers.get("Sec-WebSocket-Key", "")
    if h.headers.get("Sec-WebSocket-Version") != "13" or not key:
        raise ApiError(400, "BadRequest", "websocket: unsupported version "
                       "or missing key", headers={"Sec-WebSocket-Version": "13"})
    proto = next((p for p in offered if p in PROTOCOLS), None)
    if offered and proto is None:
        raise bad_request("unable to upgrade connection: requested protocol(s) "
                          f"are not supported: {offered}; supported protocols: "
                          f"{list(PROTOCOLS)}")
    ports = parse_ports(query)
    if not pod.get("status", {}).get("podIP"):
        raise bad_request(f"pod {pod['metadata']['name']} does not have a "
                          f"host assigned")
    accept = base64.b64encode(hashlib.sha1(key.encode() + GUID).digest())
    h.send_response_only(101, "Switching Protocols")
    h.send_header("Upgrade", "websocket")
    h.send_header("Connection", "Upgrade")
    h.send_header("Sec-WebSocket-Accept", accept.decode())
    if proto:
        h.send_header("Sec-WebSocket-Protocol", proto)
    h.end_headers()
    h.wfile.flush()
    return ports, proto == "v4.base64.channel.k8s.io"


def frame(opcode, payload):
    n = len(payload)
    head = bytes([0x80 | opcode])
    if n < 126:
        head += bytes([n])
    elif n < 1 << 16:
        head += bytes([126]) + struct.pack(">H", n)
    else:
        head += bytes([127]) + struct.pack(">Q", n)
    return head + payload


class FrameReader:
    """Incremental parser of client frames -> complete messages."""

    def __init__(self):
        self.buf = bytearray()
        self.parts = []
        self.msg_op = None

    def feed(self, data):
        self.buf += data
        out = []
        while True:
            f = self._one()
            if f is None:
                return out
            fin, op, payload = f
            if op >= 8:
                out.append((op, payload))
                continue
            if op != 0:
                if self.msg_op is not None:
                    raise WsClosed(1002)
                self.msg_op = op
            elif self.msg_op is None:
                raise WsClosed(1002)
            self.parts.append(payload)
            if sum(len(p) for p in self.parts) > MAX_MESSAGE:
                raise WsClosed(1009)
            if fin:
                out.append((self.msg_op, b"".join(self.parts)))
                self.parts, self.msg_op = [], None

    def _one(self):
        b = self.buf
        if len(b) < 2:
            return None
        fin, op = b[0] & 0x80, b[0] & 0x0F
        if b[0] & 0x70:
            raise WsClosed(1002)
        masked, n, pos = b[1] & 0x80, b[1] & 0x7F, 2
        if not masked:
            raise WsClosed(1002)
        if n == 126:
            if len(b) < 4:
                return None
            n, pos = struct.unpack(">H", b[2:4])[0], 4
        elif n == 127:
            if len(b) < 10:
                return None
            n, pos = struct.unpack(">Q", b[2:10])[0], 10
        if n > MAX_MESSAGE or (op >= 8 and (n > 125 or not fin)):
            raise WsClosed(1009 if n > MAX_MESSAGE else 1002)
        if len(b) < pos + 4 + n:
            return None
        mask = b[pos:pos + 4]
        data = bytes(b[pos + 4:pos + 4 + n])
        del b[:pos + 4 + n]
        if n:
            m = (mask * (n // 4 + 1))[:n]
            data = (int.from_bytes(data, "big") ^
                    int.from_bytes(m, "big")).to_bytes(n, "big")
        return fin, op, data


class PortForward:
    def __init__(self, sim, h, pod, ports, b64):
        self.sim, self.h, self.pod = sim, h, pod
        self.sock = h.connection
        self.ports, self.b64 = ports, b64
        self.conns = {}

    def send(self, channel, data):
        if self.b64:
            payload = bytes([ord("0") + channel]) + base64.b64encode(data)
            self.sock.sendall(frame(1, payload))
        else:
            self.sock.sendall(frame(2, bytes([channel]) + data))

    def close(self, code=1000):
        try:
            self.sock.sendall(frame(8, struct.pack(">H", code)))
        except OSError:
            pass

    def run(self):
        ip = self.pod["status"]["podIP"]
        sandbox = self.pod["metadata"]["uid"]
        for i, port in enumerate(self.ports):
            prefix = struct.pack("<H", port)
            self.send(2 * i, prefix)
            self.send(2 * i + 1, prefix)
        for i, port in enumerate(self.ports):
            try:
                c = socket.create_connection((ip, port), timeout=5)
                c.setblocking(False)
                self.conns[i] = c
            except OSError as e:
                why = "connection refused" if isinstance(
                    e, ConnectionRefusedError) else str(e)
                self.send(2 * i + 1, (
                    f"error forwarding port {port} to pod {sandbox}, uid : "
                    f"failed to connect to localhost:{port} inside namespace "
                    f'"{sandbox}", IPv4: dial tcp4 127.0.0.1:{port}: connect: '
                    f"{why} IPv6 dial tcp6 [::1]:{port}: connect: {why} "
                ).encode())
        try:
            self.relay()
        except WsClosed as e:
            self.close(e.args[0] if e.args else 1000)
        except OSError:
            pass
        finally:
            for c in self.conns.values():
                c.close()

    def relay(self):
        reader = FrameReader()
        by_sock = {c: i for i, c in self.conns.items()}
        while self.conns:
            if self.sim.stopping:
                raise WsClosed(1001)
            pending = isinstance(self.sock, ssl.SSLSocket) and \
                self.sock.pending()
            if pending:
                readable = [self.sock]
            else:
                readable, _, _ = select.select(
                    [self.sock] + list(self.conns.values()), [], [], 1.0)
            for s in readable:
                if s is self.sock:
                    data = self.sock.recv(READ_CHUNK)
                    if not data:
                        return
                    for op, payload in reader.feed(data):
                        self.client_message(op, payload)
                elif s in by_sock:
                    i = by_sock[s]
                    try:
                        data = s.recv(READ_CHUNK)
                    except BlockingIOError:
                        continue
                    except OSError:
                        data = b""
                    if not data:
                        s.close()
                        del self.conns[i], by_sock[s]
                        continue
                    self.send(2 * i, data)
        raise WsClosed(1000)

    def client_message(self, op, payload):
        if op == 8:
            code = payload[:2] if len(payload) >= 2 else struct.pack(">H", 1000)
            self.sock.sendall(frame(8, code))
            raise _Done()
        if op == 9:
            self.sock.sendall(frame(10, payload))
            return
        if op == 10:
            return
        if op == 1 and self.b64:
            if not payload:
                return
            channel = payload[0] - ord("0")
            try:
                payload = bytes([channel]) + base64.b64decode(payload[1:])
            except ValueError:
                raise WsClosed(1007) from None
        elif op != 2 or self.b64:
            raise WsClosed(1003)
        if not payload:
            return
        channel, data = payload[0], payload[1:]
        if channel % 2 == 0 and channel // 2 in self.conns and data:
            c = self.conns[channel // 2]
            c.setblocking(True)
            try:
                c.sendall(data)
            finally:
                c.setblocking(False)


class _Done(Exception):
    pass


def serve(sim, h, pod, query):
    ports, b64 = handshake(h, pod, query)
    h.close_connection = True
    pf = PortForward(sim, h, pod, ports, b64)
    try:
        pf.run()
    except _Done:
        pass
