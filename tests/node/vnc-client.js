// vnc-client.js - the one client of bench/vnc.sh and agent-vnc.sh, the
// same for every variant: tcp://HOST:PORT (direct) or ws://... (websockify,
// ssd).
//   down URL BYTES   count bytes until the server closes; MB/s
//   up URL BYTES     send BYTES (64 KiB messages, <= 4 MiB buffered); MB/s
//   rtt URL COUNT    RFB 3.8 handshake (security None), then COUNT
//                    non-incremental 16x16 FramebufferUpdateRequests, one
//                    at a time; p50/p99 of request -> whole update, in us
//   hold URL SECONDS read nothing for SECONDS (prints {"held":...} once
//                    the windows must be full), then close; the close code
//   idle URL COUNT   COUNT connections in batches of 200, each waiting for
//                    the 12-byte RFB banner; prints "up", holds until stdin
//                    closes, then closes them all
// Prints one JSON line (hold: two).
'use strict';
const net = require('net');
const WebSocket = require('ws');
const [mode, url, arg] = process.argv.slice(2);
const count = Number(arg);

// A connection with the same small interface for TCP and WebSocket.
function connect(u, onData, onOpen, onClose) {
  if (u.startsWith('tcp://')) {
    const [host, port] = u.slice(6).split(':');
    const s = net.connect({ host, port: Number(port), noDelay: true }, onOpen);
    s.on('data', onData);
    s.on('close', onClose);
    s.on('error', (e) => { console.error(String(e)); });
    return {
      send: (b) => s.write(b), buffered: () => s.writableLength,
      close: () => s.end(), raw: s,
    };
  }
  const ws = new WebSocket(u, ['binary'], { perMessageDeflate: false, maxPayload: 0 });
  ws.binaryType = 'nodebuffer';
  ws.on('open', onOpen);
  ws.on('message', (d) => onData(d));
  ws.on('close', onClose);
  ws.on('error', (e) => { console.error(String(e)); });
  return {
    send: (b) => ws.send(b), buffered: () => ws.bufferedAmount,
    close: () => ws.close(1000), raw: ws,
  };
}

function down() {
  let n = 0, t0 = 0;
  connect(url, (d) => { n += d.length; }, () => { t0 = process.hrtime.bigint(); },
    (code, reason) => {
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      console.log(JSON.stringify({ bytes: n, exact: n === count, mbps: n / s / 1e6,
        close: typeof code === 'number' ? code : null, reason: String(reason || '') }));
    });
}

function up() {
  const chunk = Buffer.alloc(65536, 0x5a);
  let sent = 0, t0 = 0, c = null, done = false;
  const pump = () => {
    while (sent < count && c.buffered() < 4 << 20) {
      const n = Math.min(chunk.length, count - sent);
      c.send(n === chunk.length ? chunk : chunk.subarray(0, n));
      sent += n;
    }
    if (sent < count) { setImmediate(pump); return; }
    if (c.buffered() > 0) { setTimeout(pump, 1); return; }
    if (!done) {
      done = true;
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      console.log(JSON.stringify({ bytes: sent, mbps: sent / s / 1e6 }));
      c.close();
    }
  };
  c = connect(url, () => {}, () => { t0 = process.hrtime.bigint(); pump(); }, () => {});
}

function hold() {
  let c = null;
  const stop = (x) => (x.raw.pause ? x.raw.pause() : x.raw._socket.pause());
  c = connect(url, () => {}, () => {
    stop(c);
    setTimeout(() => console.log(JSON.stringify({ held: 3 })), 3000);
    setTimeout(() => { c.raw.resume(); c.close(); }, 1000 * count);
  }, (code) => {
    console.log(JSON.stringify({ close: typeof code === 'number' ? code : null }));
  });
}

function rtt() {
  let buf = Buffer.alloc(0), step = 0, w = 0, h = 0, want = 0, t0 = 0n;
  const times = [];
  let c = null;
  const take = (n) => { const b = buf.subarray(0, n); buf = buf.subarray(n); return b; };
  const request = () => {
    t0 = process.hrtime.bigint();
    const m = Buffer.alloc(10);
    m.writeUInt8(3, 0); m.writeUInt8(0, 1);
    m.writeUInt16BE(0, 2); m.writeUInt16BE(0, 4); m.writeUInt16BE(16, 6); m.writeUInt16BE(16, 8);
    c.send(m);
  };
  const onData = (d) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      if (step === 0 && buf.length >= 12) { take(12); c.send(Buffer.from('RFB 003.008\n')); step = 1; }
      else if (step === 1 && buf.length >= 1 && buf.length >= 1 + buf[0]) {
        take(1 + buf[0]); c.send(Buffer.from([1])); step = 2;
      } else if (step === 2 && buf.length >= 4) { take(4); c.send(Buffer.from([1])); step = 3; }
      else if (step === 3 && buf.length >= 24 && buf.length >= 24 + buf.readUInt32BE(20)) {
        w = buf.readUInt16BE(0); h = buf.readUInt16BE(2);
        take(24 + buf.readUInt32BE(20));
        // Raw encoding only: every reply is 16*16*4 bytes plus headers.
        const se = Buffer.alloc(8);
        se.writeUInt8(2, 0); se.writeUInt16BE(1, 2); se.writeInt32BE(0, 4);
        c.send(se);
        want = 4 + 12 + 16 * 16 * 4; step = 4; request();
      } else if (step === 4 && buf.length >= want) {
        take(want);
        times.push(Number(process.hrtime.bigint() - t0) / 1000);
        if (times.length === count) {
          times.sort((a, b) => a - b);
          const p = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
          console.log(JSON.stringify({ n: times.length, p50: p(0.5), p99: p(0.99), w, h }));
          c.close(); return;
        }
        request();
      } else return;
    }
  };
  c = connect(url, onData, () => {}, () => {});
}

function idle() {
  const conns = [];
  let ready = 0, opened = 0, failed = 0;
  const t0 = process.hrtime.bigint();
  const report = () => {
    if (ready + failed === count) {
      console.log(JSON.stringify({ up: ready, failed,
        seconds: Number(process.hrtime.bigint() - t0) / 1e9 }));
    }
  };
  const batch = () => {
    const until = Math.min(count, opened + 200);
    for (; opened < until; opened++) {
      let got = 0;
      const c = connect(url, (d) => {
        if (got >= 12 || (got += d.length) < 12) return;
        if ((++ready + failed) % 200 === 0) batch();
        report();
      }, () => {}, () => {
        if (got >= 12) return;
        got = 12;
        if ((ready + ++failed) % 200 === 0) batch();
        report();
      });
      conns.push(c);
    }
  };
  batch();
  process.stdin.on('end', () => { conns.forEach((c) => c.close()); setTimeout(() => process.exit(0), 500); });
  process.stdin.resume();
}

({ down, up, hold, rtt, idle })[mode]();
