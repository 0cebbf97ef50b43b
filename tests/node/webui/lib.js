// lib.js - what the web UI's browser tests share: Debian's chromium
// driven by playwright-core, one place for every timeout, checks printed
// as JSON lines for tests/integration/webui.sh to turn into TAP, and
// visit(): every page a test opens is screenshotted under the build
// directory, checked with axe-core (no serious or critical violation)
// and its HTML answer checked for the CSP.
'use strict';
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const env = process.env;
const base = env.SSD_URL;
const shotsDir = env.SHOTS_DIR;
// One knob for a loaded machine: every wait scales with it.
const scale = Number(env.SSD_UI_TIMEOUT_SCALE || 1);
const T = {
  step: 30000 * scale,		// an element, a navigation, an API answer
  session: 120000 * scale,	// a session to start, hibernate, wake
};
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

let failures = 0;
const seenHtml = [];	// [url, csp] of every HTML document loaded

function report(ok, name, diag) {
  if (!ok) failures++;
  console.log(JSON.stringify({ ok: Boolean(ok), name, diag: diag ? String(diag).slice(0, 2000) : undefined }));
}

// check('what', async () => { ... throw to fail; return a note })
async function check(name, fn) {
  try {
    const note = await fn();
    report(true, note ? `${name} (${note})` : name);
    return true;
  } catch (e) {
    report(false, name, e && e.stack ? e.stack : e);
    return false;
  }
}

async function launch() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// A fresh context (cookies, storage) with the page's problems recorded.
async function context(browser, opts = {}) {
  const ctx = await browser.newContext({
    viewport: opts.viewport || { width: 1280, height: 860 },
    colorScheme: opts.colorScheme || 'light',
  });
  ctx.setDefaultTimeout(T.step);
  ctx.setDefaultNavigationTimeout(T.step);
  const page = await ctx.newPage();
  page.problems = [];
  page.dialogs = [];
  page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
  page.on('dialog', async (d) => { page.dialogs.push(d.message()); await d.dismiss(); });
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text())) page.problems.push(`console: ${m.text()}`);
  });
  page.on('response', (r) => {
    const ct = r.headers()['content-type'] || '';
    if (r.request().resourceType() === 'document' && ct.startsWith('text/html')) {
      seenHtml.push([r.url(), r.headers()['content-security-policy'] || '', r.headers()['x-frame-options'] || '']);
    }
  });
  return { ctx, page };
}

function shotName(name) {
  return path.join(shotsDir, `${name.replace(/[^a-z0-9-]+/gi, '-')}.png`);
}

async function shot(page, name) {
  await page.screenshot({ path: shotName(name), fullPage: true });
}

// Accessibility of the page as it is now: serious and critical only.
async function axe(page) {
  await page.evaluate(axeSource);
  const res = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  });
  return res;
}

const a11y = [];	// [page name, violations]

// A page the test has reached: screenshot, and accessibility.
async function visit(page, name) {
  await page.waitForLoadState('domcontentloaded');
  // Pages show a spinner while they load: wait for it to go.
  await page.waitForFunction(() => !document.querySelector('main .loading'), null, { timeout: T.step }).catch(() => {});
  await shot(page, name);
  a11y.push([name, await axe(page)]);
}

async function signIn(page, user, password, next = '/sessions') {
  await page.goto(base + next);
  await page.waitForURL(/\/login\?next=/);
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', password);
  await page.click('form button[type=submit]');
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

// The REST API with a bearer token, from node (not the browser).
async function api(method, p, token, body) {
  const r = await fetch(base + p, {
    method,
    headers: Object.assign(token ? { Authorization: `Bearer ${token}` } : {},
      body !== undefined ? { 'Content-Type': 'application/json' } : {}),
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch (e) { /* not JSON */ }
  return { status: r.status, json, text };
}

async function token(user, password) {
  const r = await api('POST', '/api/v1/auth/login', null, { username: user, password });
  if (!r.json || !r.json.token) throw new Error(`${user} cannot log in: ${r.status} ${r.text}`);
  return r.json.token;
}

// Colours on the desktop's canvas, and its top-left pixel.
async function canvasLook(page) {
  return page.evaluate(() => {
    const c = document.querySelector('#screen canvas');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    for (let i = 0; i < d.length && seen.size < 1000; i += 4 * 97) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    const p = c.getContext('2d').getImageData(5, 5, 1, 1).data;
    return { distinct: seen.size, corner: [p[0], p[1], p[2]], width: c.width, height: c.height };
  });
}

function done() {
  return failures;
}

module.exports = {
  base, env, T, check, report, launch, context, shot, visit, axe, a11y, seenHtml,
  signIn, api, token, canvasLook, done,
};
