// vnc-client.js - the one client of bench/vnc.sh and agent-vnc.sh, the
// same for every variant: tcp://HOST:PORT (direct) or ws://... (websockify,
// ssd).
//   down URL BYTES   count bytes until the server closes; MB/s
//   up URL BYTES     send BYTES (64 KiB messages, <= 4 MiB buffered); MB/s
//   rtt URL COUNT    RFB 3.8 handshake (security None), then COUNT
//                    non-incremental 16x16 FramebufferUpdateRequests, one
//                    at a time; p50/p99 of request -> whole update, in us
//   frames URL COUNT the same with COUNT whole-screen requests (raw); MB/s
//   open URL COUNT [CONC]  COUNT opens, CONC at a time (1): connect (with
//                    a fresh viewer ticket first if VIEWER_TICKET is set),
//                    handshake, one 16x16 update, close; p50/p99 in ms and
//                    opens/s.  Exit status 1 if any failed.
//   hold URL SECONDS read nothing for SECONDS (prints {"held":...} once
//                    the windows must be full), then close; the close code
//   idle URL COUNT   COUNT connections in batches of 200, each waiting for
//                    the 12-byte RFB banner; prints "up", holds until stdin
//                    closes, then closes them all
// Prints one JSON line (hold: two).
'use strict';
const http = require('http');
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

// rfb(url, ready, update, closed[, mark]): an RFB 3.8 client (security
// None, raw encoding) on url.  ready({ w, h, bpp, send, close }) after
// ServerInit; update(bytes) after each whole FramebufferUpdate; closed(why)
// once, when the connection ends (why is null after close()); mark('open')
// when connected, mark('banner') on the server's version.  Returns
// { abort(why) }: closes the connection, and closed(why) is called.  Rectangle bytes
// are counted as they pass, not gathered: a full frame is megabytes.
function rfb(u, ready, update, closed, mark = () => {}) {
  let buf = Buffer.alloc(0), step = 'version', skip = 0, rects = 0, bytes = 0;
  let bpp = 4, c = null, done = false, closing = false;
  const end = (why) => {
    if (done) return;
    done = true;
    closed(why);
    if (why !== null) c.close();
  };
  const take = (n) => { const b = buf.subarray(0, n); buf = buf.subarray(n); bytes += n; return b; };
  const rectDone = () => {
    if (--rects > 0) { step = 'rect'; return; }
    step = 'msg';
    const n = bytes;
    bytes = 0;
    update(n);
  };
  // One step of the protocol from buf; false when it needs more bytes.
  const advance = () => {
    switch (step) {
    case 'version':
      if (buf.length < 12) return false;
      mark('banner');
      take(12); c.send(Buffer.from('RFB 003.008\n')); step = 'types'; return true;
    case 'types':
      if (buf.length < 1 || buf.length < 1 + buf[0]) return false;
      if (!take(1 + buf[0]).subarray(1).includes(1)) { end('no security type None'); return false; }
      c.send(Buffer.from([1])); step = 'result'; return true;
    case 'result':
      if (buf.length < 4) return false;
      if (take(4).readUInt32BE(0) !== 0) { end('security result not OK'); return false; }
      c.send(Buffer.from([1])); step = 'init'; return true;
    case 'init': {
      if (buf.length < 24 || buf.length < 24 + buf.readUInt32BE(20)) return false;
      const w = buf.readUInt16BE(0), h = buf.readUInt16BE(2);
      bpp = buf[4] / 8;
      take(24 + buf.readUInt32BE(20));
      const se = Buffer.alloc(8);	// SetEncodings: raw only
      se.writeUInt8(2, 0); se.writeUInt16BE(1, 2); se.writeInt32BE(0, 4);
      c.send(se);
      step = 'msg';
      bytes = 0;
      ready({ w, h, bpp, send: (m) => c.send(m),
        close: () => { closing = true; end(null); c.close(); } });
      return !done;
    }
    case 'msg':
      if (buf.length < 1) return false;
      if (buf[0] === 2) { take(1); bytes = 0; return true; }	// Bell
      if (buf[0] === 3) {	// ServerCutText
        if (buf.length < 8 || buf.length < 8 + buf.readUInt32BE(4)) return false;
        take(8 + buf.readUInt32BE(4)); bytes = 0; return true;
      }
      if (buf[0] !== 0) { end(`server message type ${buf[0]}`); return false; }
      if (buf.length < 4) return false;
      rects = take(4).readUInt16BE(2);
      if (rects === 0) { rects = 1; rectDone(); return true; }
      step = 'rect'; return true;
    case 'rect': {
      if (buf.length < 12) return false;
      const hdr = take(12);
      if (hdr.readInt32BE(8) !== 0) { end(`rectangle encoding ${hdr.readInt32BE(8)}`); return false; }
      const n = hdr.readUInt16BE(4) * hdr.readUInt16BE(6) * bpp;
      if (buf.length >= n) { take(n); rectDone(); return true; }
      skip = n - buf.length;
      take(buf.length);
      step = 'skip';
      return false;
    }
    default:
      return false;
    }
  };
  const onData = (d) => {
    if (step === 'skip') {
      const n = Math.min(skip, d.length);
      skip -= n; bytes += n; d = d.subarray(n);
      if (skip > 0) return;
      rectDone();
    }
    buf = buf.length ? Buffer.concat([buf, d]) : d;
    while (!done && advance());
  };
  c = connect(u, onData, () => mark('open'), () => { if (!closing) end('closed by the server'); });
  return { abort: end };
}

// A non-incremental FramebufferUpdateRequest of w x h at the origin.
function fbRequest(w, h) {
  const m = Buffer.alloc(10);
  m.writeUInt8(3, 0); m.writeUInt8(0, 1);
  m.writeUInt16BE(0, 2); m.writeUInt16BE(0, 4); m.writeUInt16BE(w, 6); m.writeUInt16BE(h, 8);
  return m;
}

function percentiles(times) {
  times.sort((a, b) => a - b);
  const p = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  return { p50: p(0.5), p99: p(0.99) };
}

function failed(why) {
  console.log(JSON.stringify({ error: why }));
  process.exitCode = 1;
}

function rtt() {
  const times = [];
  let t0 = 0n, s = null;
  rfb(url, (info) => {
    s = info; t0 = process.hrtime.bigint(); s.send(fbRequest(16, 16));
  }, () => {
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
    if (times.length < count) { t0 = process.hrtime.bigint(); s.send(fbRequest(16, 16)); return; }
    console.log(JSON.stringify({ n: times.length, ...percentiles(times), w: s.w, h: s.h }));
    s.close();
  }, (why) => { if (why !== null) failed(why); });
}

// Whole frames, one request at a time as a viewer asks: MB/s of updates.
function frames() {
  let got = 0, bytes = 0, t0 = 0n, s = null;
  rfb(url, (info) => {
    s = info; t0 = process.hrtime.bigint(); s.send(fbRequest(s.w, s.h));
  }, (n) => {
    bytes += n;
    if (++got < count) { s.send(fbRequest(s.w, s.h)); return; }
    const sec = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(JSON.stringify({ frames: got, bytes, mbps: bytes / sec / 1e6, w: s.w, h: s.h }));
    s.close();
  }, (why) => { if (why !== null) failed(why); });
}

// The URL of one open: url itself, or, with VIEWER_TICKET set (the
// viewer-ticket POST of a session), a fresh ticket's URL as the web UI
// gets it, with the bearer token in VIEWER_JWT, on a kept-alive
// connection as a browser's.
const keepAlive = new http.Agent({ keepAlive: true });
function openUrl(cb) {
  if (!process.env.VIEWER_TICKET) { cb(null, url); return; }
  const t = new URL(process.env.VIEWER_TICKET);
  const req = http.request(t, { method: 'POST', agent: keepAlive,
    headers: { Authorization: `Bearer ${process.env.VIEWER_JWT}` } }, (res) => {
    let body = '';
    res.on('data', (d) => { body += d; });
    res.on('end', () => {
      if (res.statusCode !== 201) { cb(`viewer-ticket: ${res.statusCode} ${body}`); return; }
      cb(null, `ws://${t.host}${JSON.parse(body).url}`);
    });
  });
  req.on('error', (e) => cb(String(e)));
  req.end();
}

// COUNT opens, CONC at a time: each from the ticket (if any) to the first
// update of a 16x16 request after the handshake.  p50/p99 in ms, opens/s,
// and the p50 of the time from the start to each step (phases: ticket
// answered, connected, version banner, ServerInit), to tell where it goes.
function open() {
  const conc = Number(process.argv[5] || 1), times = [], errors = {};
  const steps = { ticket: [], open: [], banner: [], init: [] };
  let started = 0, ended = 0, bad = 0;
  const t0 = process.hrtime.bigint();
  const one = () => {
    if (started === count) return;
    started++;
    const t = process.hrtime.bigint();
    const at = {};
    const mark = (step) => { at[step] = Number(process.hrtime.bigint() - t) / 1e6; };
    let over = false;
    const finish = (why) => {
      if (over) return;
      over = true;
      clearTimeout(timer);
      if (why) {
        bad++; errors[why] = (errors[why] || 0) + 1;
      } else {
        times.push(Number(process.hrtime.bigint() - t) / 1e6);
        for (const k in at) steps[k].push(at[k]);
      }
      if (++ended === count) {
        const sec = Number(process.hrtime.bigint() - t0) / 1e9;
        const phases = {};
        for (const k in steps) if (steps[k].length) phases[k] = percentiles(steps[k]).p50;
        console.log(JSON.stringify({ n: times.length, failed: bad, errors, ...percentiles(times),
          perSecond: count / sec, phases }));
        if (bad) process.exitCode = 1;
        return;
      }
      one();
    };
    // A connection that hangs is closed, or this process would not end.
    let conn = null;
    const timer = setTimeout(() => {
      if (conn) conn.abort('no update within 10 s'); else finish('no ticket within 10 s');
    }, 10000);
    openUrl((err, u) => {
      if (over) return;
      if (err) { finish(err); return; }
      if (u !== url) mark('ticket');
      let s = null;
      conn = rfb(u, (info) => { mark('init'); s = info; s.send(fbRequest(16, 16)); }, () => s.close(),
        (why) => finish(why), mark);
    });
  };
  for (let i = 0; i < conc; i++) one();
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

({ down, up, hold, rtt, frames, open, idle })[mode]();
