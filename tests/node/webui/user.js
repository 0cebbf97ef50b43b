// user.js - the user journey: sign in (after a wrong password), launch
// from the catalog and watch it start without a reload, see the desktop
// and see it change when the test draws on it, hibernate, wake and delete
// from My sessions (live), sign out, and the cookie no longer works.
'use strict';
const fs = require('fs');
const { execFileSync } = require('child_process');
const {
  base, T, check, context, visit, shot, canvasLook,
} = require('./lib');

const USER = 'alice';
const PASSWORD = 'alice-password';

async function chipState(page, sid) {
  return page.getAttribute(`article[data-session="${sid}"] .chip`, 'data-state').catch(() => null);
}

async function waitChip(page, sid, state, timeout = T.session) {
  await page.waitForSelector(`article[data-session="${sid}"] .chip[data-state="${state}"]`, { timeout });
}

module.exports = async function userJourney(browser) {
  const { ctx, page } = await context(browser);
  let sid = null;

  await check('user: an address that needs signing in leads to the login page, then back', async () => {
    await page.goto(`${base}/sessions`);
    await page.waitForURL(/\/login\?next=%2Fsessions$/);
    await visit(page, 'login');
    await page.fill('input[name=username]', USER);
    await page.fill('input[name=password]', 'not-the-password');
    await page.click('form button[type=submit]');
    await page.waitForSelector('#login-error .alert');
    const said = await page.textContent('#login-error');
    if (!/Wrong user name or password/.test(said)) throw new Error(`said: ${said}`);
    await shot(page, 'login-wrong-password');
    await page.fill('input[name=password]', PASSWORD);
    await page.click('form button[type=submit]');
    await page.waitForURL(`${base}/sessions`);
    return 'wrong password said, then My sessions';
  });

  await check('user: My sessions is empty and leads to the catalog', async () => {
    await page.waitForSelector('.empty a[href="/catalog"]');
    await visit(page, 'sessions-empty');
  });

  await check('user: the catalog launches a session and shows its progress live, then opens it', async () => {
    await page.click('nav a[href="/catalog"]');
    await page.waitForSelector('article[data-template="xfce-desktop"]');
    await visit(page, 'catalog');
    await page.evaluate(() => { window.ssdNoReload = 1; });
    await page.click('article[data-template="xfce-desktop"] button');
    await page.waitForSelector('dialog ol.steps');
    await shot(page, 'catalog-launching');
    await page.waitForURL(/\/sessions\/[^/]+$/, { timeout: T.session });
    sid = decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
    if (!await page.evaluate(() => window.ssdNoReload === 1)) throw new Error('the page was reloaded');
    return sid;
  });

  await check('user: the session view shows the desktop (noVNC), not a blank screen', async () => {
    await page.waitForFunction(() => {
      const s = document.getElementById('status');
      return s && s.textContent.startsWith('Connected');
    }, null, { timeout: T.session });
    await page.waitForFunction(() => {
      const c = document.querySelector('#screen canvas');
      return c && c.width > 100;
    });
    let look = await canvasLook(page);
    for (let i = 0; i < 20 && look.distinct < 3; i++) {
      await page.waitForTimeout(500);
      look = await canvasLook(page);
    }
    await visit(page, 'session-view');
    if (look.distinct < 3) throw new Error(`only ${look.distinct} colours`);
    return `${look.width}x${look.height}, ${look.distinct} colours`;
  });

  await check('user: drawing on the desktop changes what the browser shows', async () => {
    const s = await page.evaluate(async (id) => (await fetch(`/api/v1/sessions/${encodeURIComponent(id)}`)).json(), sid);
    const ip = s.platformMetadata && s.platformMetadata.podIP;
    const display = fs.readFileSync(`/tmp/ssd-demo-desktop.${ip}`, 'utf8').split('\n')[0].trim();
    const before = await canvasLook(page);
    execFileSync('xsetroot', ['-solid', '#d02020'], { env: { ...process.env, DISPLAY: `:${display}` } });
    await page.waitForFunction(() => {
      const c = document.querySelector('#screen canvas');
      const p = c.getContext('2d').getImageData(5, 5, 1, 1).data;
      return p[0] === 208 && p[1] === 32 && p[2] === 32;
    }, null, { timeout: T.step });
    await shot(page, 'session-view-drawn');
    return `corner ${before.corner} -> 208,32,32`;
  });

  await check('user: the toolbar shows the session info (platform, agent, region)', async () => {
    await page.click('button[title="Info"]');
    await page.waitForSelector('dialog dl.kv');
    const text = await page.textContent('dialog dl.kv');
    if (!/Kubernetes/.test(text) || !/k8s-web/.test(text)) throw new Error(text);
    await shot(page, 'session-info');
    await page.keyboard.press('Escape');
    await page.click('button[title="Clipboard"]');
    await page.waitForSelector('dialog textarea');
    await visit(page, 'session-clipboard');
    await page.keyboard.press('Escape');
  });

  await check('user: hibernate and wake from My sessions, the card follows without a reload', async () => {
    await page.click('a[aria-label="Back to my sessions"]');
    await page.waitForURL(`${base}/sessions`);
    await waitChip(page, sid, 'running', T.step);
    await page.evaluate(() => { window.ssdNoReload = 2; });
    await page.click(`article[data-session="${sid}"] button:has-text("Hibernate")`);
    await waitChip(page, sid, 'hibernated');
    await visit(page, 'sessions-hibernated');
    await page.click(`article[data-session="${sid}"] button:has-text("Wake")`);
    await waitChip(page, sid, 'running');
    if (!await page.evaluate(() => window.ssdNoReload === 2)) throw new Error('the page was reloaded');
    await visit(page, 'sessions-running');
  });

  await check('user: delete asks first, then the session goes', async () => {
    await page.click(`article[data-session="${sid}"] button:has-text("Delete")`);
    await page.waitForSelector('dialog button:has-text("Delete session")');
    await shot(page, 'sessions-delete-confirm');
    await page.click('dialog button:has-text("Delete session")');
    await page.waitForSelector(`article[data-session="${sid}"]`, { state: 'detached', timeout: T.session });
    return `last seen ${await chipState(page, sid) || 'gone'}`;
  });

  await check('user: no token anywhere a script can read: HttpOnly, SameSite=Strict cookie, empty storage', async () => {
    const cookies = await ctx.cookies(base);
    const c = cookies.find((x) => x.name === 'ssd');
    if (!c || !c.httpOnly || c.sameSite !== 'Strict') throw new Error(JSON.stringify(cookies));
    const seen = await page.evaluate(() => [document.cookie, localStorage.length, sessionStorage.length]);
    if (seen[0] !== '' || seen[1] !== 0 || seen[2] !== 0) throw new Error(JSON.stringify(seen));
  });

  await check('user: sign out, and the old cookie no longer works (revoked on the server)', async () => {
    const old = (await ctx.cookies(base)).find((x) => x.name === 'ssd').value;
    await page.click('button[aria-controls="user-menu"]');
    await page.click('#user-menu button:has-text("Sign out")');
    await page.waitForURL(/\/login/);
    const r = await fetch(`${base}/api/v1/users/me`, { headers: { Cookie: `ssd=${old}` } });
    if (r.status !== 401) throw new Error(`old cookie: ${r.status}`);
    await page.goto(`${base}/sessions`);
    await page.waitForURL(/\/login\?next=/);
  });
  await ctx.close();
};
