// bench/web.js - the web UI's figures, for bench/web.sh (not make check):
//   size URL USER PASSWORD       the sessions page and everything it
//                                loads but noVNC: bytes on the wire
//                                (gzip siblings as installed) and bytes
//                                of content; JSON on stdout
//   render URL USER PASSWORD N   milliseconds from navigation to the
//                                sessions list showing N cards
//   sse URL TOKEN N SECONDS E    N event streams at once: prints
//                                {"ready":N} when all said hello, then
//                                counts session frames until each stream
//                                has E (or SECONDS pass) and prints
//                                {"frames","seconds" (first to last),
//                                "minPerStream","resyncs","drops"}
// Failures exit non-zero with the reason on stderr.
'use strict';
const http = require('http');

function die(why) {
  process.stderr.write(`bench/web.js: ${why}\n`);
  process.exit(1);
}

async function browserPage() {
  const { chromium } = require('playwright-core');
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const ctx = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  ctx.setDefaultTimeout(120000);
  return { browser, ctx, page: await ctx.newPage() };
}

async function signIn(page, url, user, password) {
  await page.goto(`${url}/login`);
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', password);
  await page.click('form button[type=submit]');
  await page.waitForURL(`${url}/sessions`);
}

async function size(url, user, password) {
  const { browser, ctx, page } = await browserPage();
  await signIn(page, url, user, password);
  // A cold load: nothing cached, every file transferred.
  const page2 = await ctx.newPage();
  await ctx.clearCookies();
  await signIn(page2, url, user, password);
  const cdp = await ctx.newCDPSession(page2);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const reqs = new Map();
  cdp.on('Network.responseReceived', (e) => reqs.set(e.requestId, { url: e.response.url, type: e.type }));
  cdp.on('Network.loadingFinished', (e) => { if (reqs.has(e.requestId)) reqs.get(e.requestId).wire = e.encodedDataLength; });
  cdp.on('Network.dataReceived', (e) => { if (reqs.has(e.requestId)) reqs.get(e.requestId).data = (reqs.get(e.requestId).data || 0) + e.dataLength; });
  await page2.goto(`${url}/sessions`, { waitUntil: 'networkidle' });
  await page2.waitForSelector('main h1');
  const sum = { assetsWire: 0, assetsData: 0, apiWire: 0, files: 0 };
  for (const r of reqs.values()) {
    const path = new URL(r.url).pathname;
    if (path.startsWith('/novnc/') || r.type === 'EventSource') continue;
    if (path.startsWith('/api/')) { sum.apiWire += r.wire || 0; continue; }
    sum.assetsWire += r.wire || 0;
    sum.assetsData += r.data || 0;
    sum.files++;
  }
  await browser.close();
  if (!sum.files) die('no file was loaded');
  console.log(JSON.stringify(sum));
}

async function render(url, user, password, n) {
  const { browser, page } = await browserPage();
  await signIn(page, url, user, password);
  const times = [];
  for (let i = 0; i < 5; i++) {
    await page.goto('about:blank');
    await page.goto(`${url}/sessions`, { waitUntil: 'commit' });
    const t = await page.waitForFunction((want) => {
      const got = document.querySelectorAll('#session-list article').length;
      return got >= want ? performance.now() : false;
    }, Number(n), { polling: 'raf', timeout: 120000 }).catch(async (e) => {
      die(`${e.message}: ${await page.evaluate(() => document.body.innerText.slice(0, 300))}`);
    });
    times.push(await t.jsonValue());
  }
  await browser.close();
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ ms: Math.round(times[2]), all: times.map(Math.round) }));
}

function sse(url, tok, streams, seconds, expect) {
  const n = Number(streams);
  const want = Number(expect);
  const u = new URL(`${url}/api/v1/events`);
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  let ready = 0;
  let frames = 0;
  let resyncs = 0;
  let drops = 0;
  let first = 0;
  let last = 0;
  let full = 0;
  const per = new Array(n).fill(0);
  let counting = false;
  const finish = () => {
    const sorted = [...per].sort((a, b) => a - b);
    console.log(JSON.stringify({
      frames, seconds: (last - first) / 1000, minPerStream: sorted[0],
      maxPerStream: sorted[n - 1], resyncs, drops,
    }));
    process.exit(0);
  };
  const occurrences = (s, needle) => {
    let k = 0;
    for (let at = s.indexOf(needle); at !== -1; at = s.indexOf(needle, at + needle.length)) k++;
    return k;
  };
  for (let i = 0; i < n; i++) {
    const req = http.get({
      host: u.hostname, port: u.port, path: u.pathname, agent,
      headers: { Authorization: `Bearer ${tok}` },
    }, (res) => {
      if (res.statusCode !== 200) die(`stream ${i}: ${res.statusCode}`);
      let hello = false;
      res.on('data', (b) => {
        const s = b.toString('latin1');
        if (!hello && s.includes('event: hello')) {
          hello = true;
          if (++ready === n) console.log(JSON.stringify({ ready }));
        }
        if (!counting) return;
        const k = occurrences(s, 'event: session');
        resyncs += occurrences(s, 'event: resync');
        if (k === 0) return;
        const now = Date.now();
        if (!first) first = now;
        last = now;
        frames += k;
        per[i] += k;
        if (per[i] >= want && per[i] - k < want && ++full === n) finish();
      });
      res.on('end', () => { drops++; });
    });
    req.on('error', (e) => die(`stream ${i}: ${e.message}`));
  }
  process.stdin.once('data', () => {
    counting = true;
    setTimeout(finish, Number(seconds) * 1000);
  });
}

const [cmd, ...args] = process.argv.slice(2);
const run = { size, render, sse }[cmd];
if (!run) die('usage: web.js size|render|sse ...');
Promise.resolve(run(...args)).catch((e) => die(e && e.stack ? e.stack : e));
