// websession.js - a web-streamed session in a real browser: Debian's
// chromium, driven by playwright-core, signs in to the web UI, opens
// /sessions/ID, is sent with a one-time ticket to the session's own
// origin (s-LABEL.localhost), where the session's own web client (noVNC
// from the pod, as KasmVNC's would be) loads and connects through its
// own WebSocket; then a screenshot of its screen.
// Usage: node websession.js UI-URL SESSION-ID USER PASSWORD OUT-PREFIX
// Prints JSON lines: {"event":"origin"}, {"event":"cookies"} (what the
// browser would send to the session's origin), {"event":"shot",
// "distinct": colours on the remote screen}; exits non-zero on failure.
'use strict';
const { chromium } = require('playwright-core');
const fs = require('fs');
const os = require('os');
const path = require('path');
const [ui, id, user, password, prefix] = process.argv.slice(2);
const out = (o) => console.log(JSON.stringify(o));

(async () => {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'ssd-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium', headless: true,
    viewport: { width: 1100, height: 860 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update',
      '--disable-sync'],
  });
  const timer = setTimeout(() => { out({ event: 'timeout' }); process.exit(2); }, 60000);
  let n = 0;
  const snap = async (page) => page.screenshot({ path: `${prefix}-page${++n}.png` });
  try {
    const page = context.pages()[0] || await context.newPage();
    page.on('console', (m) => out({ event: 'console', text: m.text() }));
    await page.goto(`${ui}/sessions/${encodeURIComponent(id)}`);
    await page.waitForSelector('input[name=username]', { timeout: 20000 });
    await snap(page);
    await page.fill('input[name=username]', user);
    await page.fill('input[name=password]', password);
    await page.click('button[type=submit]');
    await page.waitForURL((u) => u.hostname.startsWith('s-'), { timeout: 30000 });
    const origin = new URL(page.url()).origin;
    out({ event: 'origin', origin, ui: new URL(ui).origin });
    await page.waitForFunction(() => document.documentElement.classList.contains('noVNC_connected'),
      null, { timeout: 30000 });
    out({ event: 'connected', url: page.url() });
    const names = async (u) => (await context.cookies(u)).map((c) => ({
      name: c.name, httpOnly: c.httpOnly, sameSite: c.sameSite, domain: c.domain }));
    out({ event: 'cookies', session: await names(origin), ui: await names(ui) });
    await page.waitForTimeout(1500);
    await snap(page);
    const file = `${prefix}-screen.png`;
    await page.locator('#noVNC_container canvas').screenshot({ path: file });
    const distinct = await page.evaluate(() => {
      const c = document.querySelector('#noVNC_container canvas');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      const seen = new Set();
      for (let i = 0; i < d.length && seen.size < 1000; i += 4 * 97)
        seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
      return seen.size;
    });
    out({ event: 'shot', file, distinct });
    clearTimeout(timer);
    await context.close();
  } catch (e) {
    out({ event: 'error', message: String(e) });
    await context.close();
    process.exit(1);
  } finally {
    fs.rmSync(profile, { recursive: true, force: true });
  }
})();
