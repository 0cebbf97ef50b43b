// viewer.js - the VNC viewer page in a real browser: Debian's chromium,
// driven by playwright-core, opens /vnc-viewer/ID, signs in on the login
// page it is sent to (the UI's cookie: no token in any URL), comes back,
// waits for noVNC to connect, and takes screenshots of the remote screen.
// Usage: node viewer.js URL USER PASSWORD OUT-PREFIX [DRAW-CMD]
// Prints JSON lines: {"event":"status",...}, {"event":"shot","file":...,
// "distinct": number of distinct colours}; exits non-zero on failure.
'use strict';
const { chromium } = require('playwright-core');
const { execSync } = require('child_process');
const [url, user, password, prefix, draw] = process.argv.slice(2);
const out = (o) => console.log(JSON.stringify(o));

async function shot(page, file) {
  const canvas = page.locator('#screen canvas');
  await canvas.screenshot({ path: file });
  // Count colours on the canvas itself, in the page.
  const distinct = await page.evaluate(() => {
    const c = document.querySelector('#screen canvas');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    for (let i = 0; i < d.length && seen.size < 1000; i += 4 * 97)
      seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    return seen.size;
  });
  const centre = await page.evaluate(() => {
    const c = document.querySelector('#screen canvas');
    const d = c.getContext('2d').getImageData(5, 5, 1, 1).data;
    return [d[0], d[1], d[2]];
  });
  out({ event: 'shot', file, distinct, corner: centre });
}

(async () => {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update',
      '--disable-sync'],
  });
  const timer = setTimeout(() => { out({ event: 'timeout' }); process.exit(2); }, 30000);
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 860 } });
    page.on('console', (m) => out({ event: 'console', text: m.text() }));
    await page.goto(url);
    await page.waitForSelector('input[name=username]', { timeout: 20000 });
    await page.fill('input[name=username]', user);
    await page.fill('input[name=password]', password);
    await page.click('button[type=submit]');
    await page.waitForURL(url, { timeout: 20000 });
    await page.waitForFunction(() => {
      const s = document.getElementById('status');
      return s !== null && s.textContent.startsWith('Connected');
    }, null, { timeout: 20000 });
    out({ event: 'status', text: await page.textContent('#status') });
    await page.waitForTimeout(1500);
    await shot(page, `${prefix}-1.png`);
    if (draw) {
      execSync(draw);
      await page.waitForTimeout(1500);
      await shot(page, `${prefix}-2.png`);
    }
    clearTimeout(timer);
    await browser.close();
  } catch (e) {
    out({ event: 'error', message: String(e) });
    await browser.close();
    process.exit(1);
  }
})();
