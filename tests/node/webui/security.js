// security.js - the web UI under attack: names users typed rendered as
// text (a template called <img src=x onerror=alert(1)>, a session whose
// name holds </script>), a cross-origin form POST carrying the cookie
// refused (same site, other port: the CSRF rule; another site: SameSite),
// the pages never framed, a #token= in a link never signing anyone in
// (issue 12, item 15), and one user's event stream never carrying
// another's session.
'use strict';
const http = require('http');
const {
  base, env, T, check, context, visit, shot, signIn, api, token,
} = require('./lib');

const ERIN = ['erin', 'erin-password'];

// An attacker's site on another port: pages that post forms and frame.
function attacker(port, sid) {
  const target = base;
  const pages = {
    '/logout': `<form id=f method=POST action="${target}/api/v1/auth/logout"></form><script>f.submit()</script>`,
    '/ticket': `<form id=f method=POST action="${target}/api/v1/sessions/${encodeURIComponent(sid)}/viewer-ticket"></form><script>f.submit()</script>`,
    '/key': `<form id=f method=POST action="${target}/api/v1/api-keys"><input name=name value=csrf></form><script>f.submit()</script>`,
    '/frame': `<iframe id=v src="${target}/vnc-viewer/${encodeURIComponent(sid)}" width=600 height=400></iframe>`,
  };
  const srv = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end(`<!DOCTYPE html><title>evil</title>${pages[req.url] || ''}`);
  });
  return new Promise((resolve) => srv.listen(port, '127.0.0.1', () => resolve(srv)));
}

async function signedIn(page) {
  const r = await page.evaluate(async () => (await fetch('/api/v1/users/me')).status);
  return r === 200;
}

module.exports = async function security(browser) {
  const { ctx, page } = await context(browser);
  const sid = env.HOSTILE_SESSION;

  await check('security: a template called <img src=x onerror=alert(1)> is shown as text', async () => {
    await signIn(page, ...ERIN, '/catalog');
    await page.waitForSelector('article[data-template="xss-tpl"]');
    const title = await page.textContent('article[data-template="xss-tpl"] h2');
    const injected = await page.evaluate(() => document.querySelectorAll('img[src="x"], main script').length);
    await visit(page, 'security-catalog');
    if (title !== '<img src=x onerror=alert(1)>' || injected || page.dialogs.length) {
      throw new Error(`title ${title}, injected ${injected}, dialogs ${page.dialogs}`);
    }
  });

  await check('security: a session whose name holds </script> is shown as text', async () => {
    await page.goto(`${base}/sessions`);
    await page.waitForSelector('#session-list article');
    const texts = await page.$$eval('#session-list article .sub', (els) => els.map((e) => e.textContent));
    const injected = await page.evaluate(() => document.querySelectorAll('img[src="x"], main script').length);
    await visit(page, 'security-sessions');
    if (!texts.includes(sid) || injected || page.dialogs.length) throw new Error(`${texts} ${injected} ${page.dialogs}`);
  });

  // Ids with "/" cannot be in a path at all (400): plain ones from here.
  const plain = 'erin-xss-tpl-0badc0de';
  const port = Number(env.ATTACKER_PORT);
  const evil = await attacker(port, plain);
  await check('security: a cross-origin form POST with the cookie (same site, other port) is refused: 403 cross_origin', async () => {
    const before = (await api('GET', '/api/v1/api-keys', await token(...ERIN))).json.total;
    for (const p of ['/logout', '/ticket']) {
      const resp = page.waitForResponse((r) => r.url().startsWith(base) && r.request().method() === 'POST');
      await page.goto(`http://127.0.0.1:${port}${p}`);
      const r = await resp;
      if (r.status() !== 403 || !/cross_origin/.test(await r.text())) throw new Error(`${p}: ${r.status()}`);
    }
    await shot(page, 'security-csrf-refused');
    await page.goto(`http://127.0.0.1:${port}/key`);
    await page.waitForLoadState();
    await page.goto(`${base}/sessions`);
    await page.waitForSelector('h1');
    if (!await signedIn(page)) throw new Error('the forged logout signed the user out');
    const after = (await api('GET', '/api/v1/api-keys', await token(...ERIN))).json.total;
    if (after !== before) throw new Error(`api keys ${before} -> ${after}`);
    return 'logout and ticket 403, form body 415, still signed in, nothing created';
  });

  await check('security: from another site the cookie is not even sent (SameSite=Strict): 401', async () => {
    const resp = page.waitForResponse((r) => r.url().startsWith(base) && r.request().method() === 'POST');
    await page.goto(`http://localhost:${port}/logout`);
    const r = await resp;
    if (r.status() !== 401) throw new Error(`${r.status()}`);
    await page.goto(`${base}/sessions`);
    if (!await signedIn(page)) throw new Error('signed out');
  });

  await check('security: the session view cannot be framed by another site (frame-ancestors, X-Frame-Options)', async () => {
    await page.goto(`http://127.0.0.1:${port}/frame`);
    await page.waitForTimeout(1500);
    const f = page.frames().find((x) => x !== page.mainFrame());
    const url = f ? f.url() : '';
    let inside = null;
    try { inside = await f.evaluate(() => document.querySelector('#app') !== null); } catch (e) { inside = false; }
    await shot(page, 'security-framing-blocked');
    if (inside) throw new Error(`framed: ${url}`);
    return url || 'no frame';
  });
  evil.close();
  await ctx.close();

  await check('security: a link with #token= signs nobody in and stores nothing (login CSRF)', async () => {
    const { ctx: c2, page: p2 } = await context(browser);
    const tok = await token(...ERIN);
    await p2.goto(`${base}/vnc-viewer/${plain}#token=${tok}`);
    await p2.waitForURL(/\/login\?next=/);
    const stored = await p2.evaluate(() => [localStorage.length, sessionStorage.length, document.cookie]);
    await visit(p2, 'security-token-link');
    await c2.close();
    if (stored[0] || stored[1] || stored[2]) throw new Error(JSON.stringify(stored));
  });

  await check('security: user A\'s event stream never carries user B\'s session', async () => {
    const { ctx: c3, page: p3 } = await context(browser);
    await signIn(p3, ...ERIN);
    await p3.evaluate(() => {
      window.seen = [];
      const es = new EventSource('/api/v1/events');
      es.addEventListener('session', (e) => window.seen.push(JSON.parse(e.data).id));
      window.es = es;
    });
    await p3.waitForFunction(() => window.es.readyState === 1);
    const frank = await token('frank', 'frank-password');
    const fs = await api('POST', '/api/v1/sessions', frank, { template: 'xfce-desktop', persistentHome: false });
    const es = await api('POST', '/api/v1/sessions', await token(...ERIN), { template: 'xfce-desktop', persistentHome: false });
    if (fs.status !== 202 || es.status !== 202) throw new Error(`${fs.text} ${es.text}`);
    await p3.waitForFunction((id) => window.seen.includes(id), es.json.id, { timeout: T.session });
    // Frank's session has changed too by now (created, then running).
    await new Promise((r) => setTimeout(r, 2000));
    const seen = await p3.evaluate(() => window.seen);
    await api('DELETE', `/api/v1/sessions/${fs.json.id}`, frank);
    await api('DELETE', `/api/v1/sessions/${es.json.id}`, await token(...ERIN));
    await c3.close();
    if (seen.includes(fs.json.id)) throw new Error(`erin saw frank's ${fs.json.id}`);
    return `${seen.length} events, all erin's`;
  });
};
