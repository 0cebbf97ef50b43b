// vnc-relay.js - the browser side of tests/integration/vnc-relay.sh, on
// npm ws (binary messages, like noVNC): an RFB handshake up to a
// FramebufferUpdate, byte-exact transfers through an echo target, a
// stalled viewer beside a live one, and a TCP echo server as the target.
// Every mode prints one JSON line and exits 0 when its check held;
// stall and steady print progress lines before it.
'use strict';
const crypto = require('crypto');
const net = require('net');
const WebSocket = require('ws');

const [mode, ...args] = process.argv.slice(2);
const protocols = process.env.VIEWER_PROTOCOLS ?
    process.env.VIEWER_PROTOCOLS.split(',') : [];

function out(o, ok) {
	console.log(JSON.stringify(o));
	process.exit(ok ? 0 : 1);
}

// VIEWER_FROM: the local address to connect from; VIEWER_XFF: an
// X-Forwarded-For header to send.
function open(url) {
	const o = { perMessageDeflate: false };
	if (process.env.VIEWER_FROM)
		o.localAddress = process.env.VIEWER_FROM;
	if (process.env.VIEWER_XFF)
		o.headers = { 'X-Forwarded-For': process.env.VIEWER_XFF };
	return new WebSocket(url, protocols, o);
}

// Bytes from a WebSocket as a stream the RFB steps read from.
function reader(ws) {
	let buf = Buffer.alloc(0), want = 0, done = null;
	ws.on('message', (m) => {
		buf = Buffer.concat([buf, m]);
		if (done && buf.length >= want) {
			const d = done;
			done = null;
			d();
		}
	});
	return (n) => new Promise((resolve) => {
		const take = () => {
			const b = buf.subarray(0, n);
			buf = buf.subarray(n);
			resolve(b);
		};
		if (buf.length >= n)
			take();
		else {
			want = n;
			done = take;
		}
	});
}

async function rfb(url) {
	const ws = open(url);
	const t = setTimeout(() => out({ error: 'timeout' }, false), 10000);
	ws.on('error', (e) => out({ error: String(e) }, false));
	ws.on('close', (c, r) => out({ error: 'closed', code: c,
	    reason: String(r) }, false));
	const read = reader(ws);
	await new Promise((r) => ws.on('open', r));
	const version = (await read(12)).toString();
	ws.send(Buffer.from('RFB 003.008\n'));
	const n = (await read(1))[0];
	const types = [...await read(n)];
	if (!types.includes(1))
		out({ error: 'no security type None', types }, false);
	ws.send(Buffer.from([1]));
	const result = (await read(4)).readUInt32BE(0);
	ws.send(Buffer.from([1]));		// ClientInit, shared
	const init = await read(24);
	const w = init.readUInt16BE(0), h = init.readUInt16BE(2);
	const name = (await read(init.readUInt32BE(20))).toString();
	const req = Buffer.alloc(10);
	req[0] = 3;			// FramebufferUpdateRequest, full
	req.writeUInt16BE(w, 6);
	req.writeUInt16BE(h, 8);
	ws.send(req);
	const type = (await read(1))[0];
	clearTimeout(t);
	ws.removeAllListeners('close');
	ws.close(1000);
	out({ version: version.trim(), result, width: w, height: h, name,
	    message: type, protocol: ws.protocol }, result === 0 && type === 0);
}

// Sends n bytes (64 KiB messages, at most 4 MiB queued) and expects
// them back, byte for byte, before closing with 1000.
function transfer(url, n, onDone) {
	const ws = open(url), sent = crypto.createHash('sha256'),
	    got = crypto.createHash('sha256');
	const chunk = crypto.randomBytes(65536);
	let queued = 0, received = 0, t0 = 0;
	ws.on('error', (e) => onDone({ error: String(e) }));
	ws.on('close', (c, r) => onDone({ error: 'closed', code: c,
	    reason: String(r), received }));
	const pump = () => {
		while (queued < n && ws.bufferedAmount < 4 << 20) {
			const m = chunk.subarray(0, Math.min(65536, n - queued));
			chunk[0] = queued & 0xff;
			sent.update(m);
			ws.send(m);
			queued += m.length;
		}
		// A blocked socket is polled, not spun on: a busy loop here
		// would slow the round trips measured in another process.
		if (queued < n)
			setTimeout(pump, ws.bufferedAmount < 4 << 20 ? 0 : 5);
	};
	ws.on('open', () => { t0 = Date.now(); pump(); });
	ws.on('message', (m) => {
		got.update(m);
		received += m.length;
		if (received >= n) {
			const ms = Date.now() - t0;
			ws.removeAllListeners('close');
			ws.on('close', (c) => onDone({ sent: queued, received,
			    same: sent.digest('hex') === got.digest('hex'),
			    ms, mb_s: +(n / 1048576 / (ms / 1000)).toFixed(1),
			    close: c }));
			ws.close(1000);
		}
	});
	return ws;
}

function echo(url, n) {
	setTimeout(() => out({ error: 'timeout' }, false), 120000);
	transfer(url, +n, (r) => out(r, r.same && r.received === +n &&
	    r.close === 1000));
}

// Round trips of 1 KiB, count of them or until the deadline (ms since
// the epoch): [p50, p99, max] in ms.  onFirst runs after the first one.
function roundtrips(url, count, onDone, deadline = Infinity,
    onFirst = () => {}) {
	const ws = open(url), m = crypto.randomBytes(1024), ms = [];
	let t = 0, got = 0, done = false;
	const finish = (r) => { if (!done) { done = true; onDone(r); } };
	ws.on('error', (e) => finish({ error: String(e), n: ms.length }));
	ws.on('close', (c, r) => finish({ error: 'closed', code: c,
	    reason: String(r), n: ms.length }));
	ws.on('open', () => { t = process.hrtime.bigint(); ws.send(m); });
	ws.on('message', (b) => {
		got += b.length;
		if (got < m.length)
			return;
		got = 0;
		ms.push(Number(process.hrtime.bigint() - t) / 1e6);
		if (ms.length === 1)
			onFirst();
		if (ms.length < count && Date.now() < deadline) {
			t = process.hrtime.bigint();
			ws.send(m);
			return;
		}
		ws.close(1000);
		ms.sort((a, b) => a - b);
		finish({ n: ms.length, p50: +ms[ms.length >> 1].toFixed(3),
		    p99: +ms[Math.floor(ms.length * 0.99)].toFixed(3),
		    max: +ms[ms.length - 1].toFixed(3) });
	});
}

function rtt(url, count) {
	setTimeout(() => out({ error: 'timeout' }, false), 60000);
	roundtrips(url, +count, (r) => out(r, r.n === +count));
}

// Round trips without a pause for a while: the stream is never cut.
function steady(url, seconds) {
	setTimeout(() => out({ error: 'timeout' }, false),
	    1000 * +seconds + 30000);
	roundtrips(url, Infinity, (r) => out(r, !r.error && r.n > 0),
	    Date.now() + 1000 * +seconds, () => console.log('open'));
}

// A viewer that floods 64 MiB and reads nothing for a while (prints
// "stalled" once its window must be full), then reads again and must get
// back every byte it sent.
function stall(url, seconds) {
	const n = 64 << 20;
	setTimeout(() => out({ error: 'timeout' }, false),
	    1000 * +seconds + 60000);
	const a = transfer(url, n, (r) => out(r, r.same && r.received === n &&
	    r.close === 1000));
	a.on('open', () => {
		a.pause();
		setTimeout(() => console.log('stalled'), 2000);
		setTimeout(() => a.resume(), 1000 * +seconds);
	});
}

// Connects and waits for the server to close: prints code, reason, ms.
function idle(url, seconds) {
	const ws = open(url);
	let t0 = 0;
	setTimeout(() => out({ error: 'no close' }, false), 1000 * +seconds);
	ws.on('error', (e) => out({ error: String(e) }, false));
	ws.on('open', () => { t0 = Date.now(); console.log('open'); });
	ws.on('close', (c, r) => out({ code: c, reason: String(r),
	    ms: Date.now() - t0 }, t0 > 0));
}

// Retries a 1 KiB echo until it works: prints the ms it took.
function until(url, ms) {
	const t0 = Date.now();
	const attempt = () => roundtrips(url, 1, (r) => {
		if (!r.error && r.n === 1)
			out({ ms: Date.now() - t0 }, true);
		else if (Date.now() - t0 > +ms)
			out({ error: r.error, ms: Date.now() - t0 }, false);
		else
			setTimeout(attempt, 50);
	});
	attempt();
}

// Counts what arrives until the relay closes: n bytes, then 1000.
function count(url, n) {
	const ws = open(url);
	let got = 0;
	setTimeout(() => out({ error: 'timeout', got }, false), 30000);
	ws.on('error', (e) => out({ error: String(e) }, false));
	ws.on('message', (m) => { got += m.length; });
	ws.on('close', (c, r) => out({ got, code: c, reason: String(r) },
	    got === +n && c === 1000));
}

// Leaves while a flood is on its way: stops reading, then closes with
// 1000 (reading again so that the close handshake ends).
function quit(url) {
	const ws = open(url);
	setTimeout(() => out({ error: 'timeout' }, false), 20000);
	ws.on('error', (e) => out({ error: String(e) }, false));
	ws.on('open', () => {
		ws.pause();
		setTimeout(() => { ws.close(1000); ws.resume(); }, 500);
	});
	ws.on('close', (c) => out({ code: c }, c === 1000));
}

// Reads nothing (not even pings) for a while: the relay gives up.
function deaf(url, seconds) {
	const ws = open(url);
	let t0 = 0;
	setTimeout(() => out({ error: 'no close' }, false), 60000);
	ws.on('error', (e) => out({ error: String(e) }, false));
	ws.on('open', () => {
		t0 = Date.now();
		ws.pause();
		setTimeout(() => ws.resume(), 1000 * +seconds);
	});
	ws.on('close', (c, r) => out({ code: c, reason: String(r),
	    ms: Date.now() - t0 }, c === 1001));
}

// A text message: the relay closes with 1003.
function text(url) {
	const ws = open(url);
	setTimeout(() => out({ error: 'timeout' }, false), 10000);
	ws.on('error', (e) => out({ error: String(e) }, false));
	ws.on('open', () => ws.send('hello'));
	ws.on('close', (c, r) => out({ code: c, reason: String(r) },
	    c === 1003));
}

// Each connection gets n bytes, then the server's FIN.
function bannerServer(port, n) {
	const b = crypto.randomBytes(+n);
	net.createServer((s) => { s.on('error', () => {}); s.end(b); })
	    .listen(+port, '127.0.0.1', () => console.log('listening'));
}

function echoServer(port) {
	net.createServer((s) => { s.on('error', () => {}); s.pipe(s); })
	    .listen(+port, '127.0.0.1', () => console.log('listening'));
}

({ rfb, echo, rtt, steady, stall, idle, until, text, count, deaf, quit,
    'echo-server': echoServer, 'banner-server': bannerServer })[mode](...args);
