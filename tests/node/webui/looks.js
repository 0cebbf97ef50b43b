// looks.js - the UI at the edges of what it promises: signing in with the
// keyboard alone (focus visible), every page in dark mode on a 360 px
// phone without sideways scrolling, and on a 4K screen.
'use strict';
const {
  base, env, check, context, visit, shot, signIn,
} = require('./lib');

const PAGES = ['/sessions', '/catalog', '/settings', '/admin', '/admin/agents', '/admin/users',
  '/admin/groups', '/admin/templates', '/admin/audit'];

module.exports = async function looks(browser) {
  await check('keyboard: the skip link first, then sign in with Tab and Enter, focus always visible', async () => {
    const { ctx, page } = await context(browser);
    await page.goto(`${base}/login`);
    await page.waitForSelector('input[name=username]:focus');
    await page.keyboard.type('admin');
    await page.keyboard.press('Tab');
    const ring = await page.evaluate(() => {
      const s = getComputedStyle(document.activeElement);
      return [document.activeElement.name, s.outlineStyle, s.outlineWidth];
    });
    if (ring[0] !== 'password' || ring[1] === 'none' || ring[2] === '0px') throw new Error(`focus: ${ring}`);
    await shot(page, 'keyboard-focus');
    await page.keyboard.type(env.ADMIN_PASSWORD);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/sessions`);
    await page.reload();
    await page.waitForSelector('main h1');
    await page.keyboard.press('Tab');
    const first = await page.evaluate(() => document.activeElement.textContent.trim());
    await ctx.close();
    if (first !== 'Skip to content') throw new Error(`first stop: ${first}`);
  });

  await check('every page on a 360 px phone in dark mode: no sideways scrolling', async () => {
    const { ctx, page } = await context(browser, { viewport: { width: 360, height: 740 }, colorScheme: 'dark' });
    await signIn(page, 'admin', env.ADMIN_PASSWORD);
    const wide = [];
    for (const p of PAGES) {
      await page.goto(base + p);
      await page.waitForSelector('main h1').catch(async (e) => {
        throw new Error(`${p}: ${e.message}: ${await page.evaluate(() => document.body.innerText.slice(0, 400))}`);
      });
      await visit(page, `phone-dark${p.replace(/\//g, '-')}`);
      const w = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      if (w[0] > w[1]) wide.push(`${p}: ${w[0]}px`);
    }
    await page.click('button[aria-controls="main-nav"]');
    await shot(page, 'phone-dark-menu');
    await ctx.close();
    if (wide.length) throw new Error(wide.join(', '));
  });

  await check('a 4K screen: the pages use it', async () => {
    const { ctx, page } = await context(browser, { viewport: { width: 3840, height: 2160 } });
    await signIn(page, 'admin', env.ADMIN_PASSWORD);
    for (const p of ['/sessions', '/admin/agents']) {
      await page.goto(base + p);
      await page.waitForSelector('main h1');
      await visit(page, `4k${p.replace(/\//g, '-')}`);
    }
    const w = await page.evaluate(() => document.querySelector('main').getBoundingClientRect().width);
    await ctx.close();
    if (w < 2000) throw new Error(`main is ${w}px wide`);
    return `main ${Math.round(w)}px`;
  });
};
