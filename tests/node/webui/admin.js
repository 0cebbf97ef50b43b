// admin.js - the administrator's journey: the dashboard; agents filtered
// and searched (and the filter kept in the URL across a reload), a pending
// agent approved, an offline one removed; a user created who then signs
// in and sees no administration; a template file imported and disabled; a
// group with a member; and all of it found in the audit log.
'use strict';
const {
  base, env, T, check, context, visit, shot, signIn, api, token,
} = require('./lib');

async function agentRows(page) {
  return page.$$eval('tr[data-agent]', (rows) => rows.map((r) => r.getAttribute('data-agent')));
}

async function confirmWith(page, label) {
  await page.click(`dialog button:has-text("${label}")`);
  await page.waitForSelector('dialog', { state: 'detached' });
}

module.exports = async function adminJourney(browser) {
  const { ctx, page } = await context(browser);
  const admin = env.ADMIN_PASSWORD;

  await check('admin: the dashboard (agents, sessions, failures)', async () => {
    await signIn(page, 'admin', admin, '/admin');
    await page.waitForSelector('.stat');
    await visit(page, 'admin-dashboard');
  });

  await check('admin: agents filtered by status; the filter is in the URL and survives a reload', async () => {
    await page.click('nav.subnav a[href="/admin/agents"]');
    await page.waitForSelector('tr[data-agent="k8s-web"]');
    await visit(page, 'admin-agents');
    await page.selectOption('select[name=status]', 'offline');
    await page.waitForFunction(() => !document.querySelector('tr[data-agent="k8s-web"]'));
    const shown = await agentRows(page);
    if (!shown.includes('k8s-gone') || !shown.includes('k8s-pending')) throw new Error(shown.join(','));
    if (!/status=offline/.test(page.url())) throw new Error(page.url());
    await page.reload();
    await page.waitForSelector('tr[data-agent="k8s-gone"]');
    const again = await agentRows(page);
    if (again.includes('k8s-web') || await page.inputValue('select[name=status]') !== 'offline') throw new Error(again.join(','));
    await shot(page, 'admin-agents-offline');
    return again.join(', ');
  });

  await check('admin: agents searched by id and metadata', async () => {
    await page.goto(`${base}/admin/agents?q=gone`);
    await page.waitForSelector('tr[data-agent="k8s-gone"]');
    const rows = await agentRows(page);
    if (rows.length !== 1) throw new Error(rows.join(','));
    await page.fill('#agent-search', 'rack-7');	// in k8s-pending's metadata
    await page.waitForSelector('tr[data-agent="k8s-pending"]');
    if ((await agentRows(page)).length !== 1) throw new Error((await agentRows(page)).join(','));
    await page.click('button:has-text("Clear filters")');
    await page.waitForSelector('tr[data-agent="k8s-web"]');
  });

  await check('admin: an agent\'s details (capacity, metadata, sessions, heartbeat)', async () => {
    await page.click('tr[data-agent="k8s-pending"] button[aria-label="Details of agent k8s-pending"]');
    await page.waitForSelector('dialog dl.kv');
    const text = await page.textContent('dialog');
    if (!/rack-7/.test(text) || !/max_sessions/.test(text)) throw new Error(text);
    await visit(page, 'admin-agent-details');
    await page.keyboard.press('Escape');
  });

  await check('admin: approve a pending agent', async () => {
    await page.click('tr[data-agent="k8s-pending"] button:has-text("Approve")');
    await confirmWith(page, 'Approve');
    await page.waitForSelector('tr[data-agent="k8s-pending"] .chip[data-state="approved"]');
    const r = await api('GET', '/api/v1/agents/k8s-pending', await token('admin', admin));
    if (r.json.approvalStatus !== 'approved') throw new Error(r.text);
  });

  await check('admin: remove an offline agent, after confirming', async () => {
    await page.click('tr[data-agent="k8s-gone"] button[aria-label="Remove agent k8s-gone"]');
    await page.waitForSelector('dialog button:has-text("Remove agent")');
    await shot(page, 'admin-agents-remove');
    await confirmWith(page, 'Remove agent');
    await page.waitForSelector('tr[data-agent="k8s-gone"]', { state: 'detached' });
    const r = await api('GET', '/api/v1/agents/k8s-gone', await token('admin', admin));
    if (r.status !== 404) throw new Error(`${r.status}`);
  });

  await check('admin: create a user, who then signs in and sees no administration', async () => {
    await page.click('nav.subnav a[href="/admin/users"]');
    await page.waitForSelector('tr[data-user="admin"]');
    await visit(page, 'admin-users');
    await page.click('button:has-text("New user")');
    await page.fill('dialog input[name=username]', 'dave');
    await page.fill('dialog input[name=fullName]', 'Dave Bowman');
    await page.fill('dialog input[name=password]', 'dave-password');
    await shot(page, 'admin-users-new');
    await page.click('dialog button[type=submit]');
    await page.waitForSelector('tr[data-user="dave"]');
    const other = await context(browser);
    await signIn(other.page, 'dave', 'dave-password');
    await other.page.waitForSelector('nav[aria-label="Main"]');
    const nav = await other.page.textContent('nav[aria-label="Main"]');
    if (/Administration/.test(nav)) throw new Error(nav);
    await other.page.goto(`${base}/admin/agents`);
    await other.page.waitForSelector('h1:has-text("Not allowed")');
    await visit(other.page, 'user-not-allowed');
    const r = await api('GET', '/api/v1/agents', await token('dave', 'dave-password'));
    await other.ctx.close();
    if (r.status !== 403) throw new Error(`API: ${r.status}`);
    return 'no admin navigation, page not allowed, API 403';
  });

  await check('admin: edit a user: role and session quota', async () => {
    await page.click('tr[data-user="dave"] button:has-text("Edit")');
    await page.waitForSelector('dialog input[name=maxSessions]');
    await page.fill('dialog input[name=maxSessions]', '2');
    await page.selectOption('dialog select[name=role]', 'operator');
    await shot(page, 'admin-users-edit');
    await page.click('dialog button[type=submit]');
    await page.waitForSelector('dialog', { state: 'detached' });
    const t = await token('admin', admin);
    const u = (await api('GET', '/api/v1/users', t)).json.users.find((x) => x.username === 'dave');
    const q = await api('GET', `/api/v1/users/${u.id}/quota`, t);
    if (u.role !== 'operator' || q.json.maxSessions !== 2) throw new Error(`${u.role} ${q.text}`);
  });

  await check('admin: import a Template file, then disable it', async () => {
    await page.click('nav.subnav a[href="/admin/templates"]');
    await page.waitForSelector('tr[data-template="xfce-desktop"]');
    await page.setInputFiles('#template-file', env.TEMPLATE_FILE);
    await page.waitForSelector('tr[data-template="web-gimp"]');
    await visit(page, 'admin-templates');
    await page.uncheck('tr[data-template="web-gimp"] input[type=checkbox]');
    await page.waitForSelector('tr[data-template="web-gimp"] label:has-text("Disabled")');
    const r = await api('GET', '/api/v1/templates', await token('dave', 'dave-password'));
    const d = (await api('GET', '/api/v1/templates', await token('alice', 'alice-password'))).json;
    if (d.templates.some((t) => t.name === 'web-gimp')) throw new Error('a user still sees it');
    return `operator sees ${r.json.total}, user ${d.total}`;
  });

  await check('admin: a group with a member', async () => {
    await page.click('nav.subnav a[href="/admin/groups"]');
    await page.click('button:has-text("New group")');
    await page.fill('dialog input[name=name]', 'ops');
    await page.fill('dialog input[name=displayName]', 'Operations');
    await page.click('dialog button[type=submit]');
    await page.waitForSelector('tr[data-group="ops"]');
    await visit(page, 'admin-groups');
    await page.click('tr[data-group="ops"] button:has-text("Members")');
    await page.waitForSelector('#member-user option:has-text("dave")', { state: 'attached' });
    const value = await page.$eval('#member-user', (s) => [...s.options].find((o) => o.textContent.startsWith('dave')).value);
    await page.selectOption('#member-user', value);
    await page.click('dialog button[type=submit]');
    await page.waitForSelector('dialog td:has-text("dave")');
    await visit(page, 'admin-group-members');
    await page.keyboard.press('Escape');
  });

  await check('admin: all of it is in the audit log', async () => {
    await page.click('nav.subnav a[href="/admin/audit"]');
    await page.waitForSelector('table');
    await visit(page, 'admin-audit');
    const found = {};
    for (const [what, search] of [['approve', 'agents/k8s-pending/approve'], ['remove', 'DELETE /api/v1/agents/k8s-gone'],
      ['user', 'POST /api/v1/users'], ['import', 'templates/import'], ['group', 'POST /api/v1/groups']]) {
      await page.fill('#audit-search', search);
      await page.click('form[role=search] button[type=submit]');
      await page.waitForFunction((s) => {
        const cells = [...document.querySelectorAll('main td')].map((td) => td.textContent);
        return cells.some((c) => c.includes(s.split(' ').pop()));
      }, search);
      found[what] = true;
    }
    await page.fill('#audit-search', '');
    await page.fill('input[name=user]', 'admin');
    await page.click('form[role=search] button[type=submit]');
    await page.waitForFunction(() => /user=admin/.test(location.search));
    await shot(page, 'admin-audit-filtered');
    return Object.keys(found).join(', ');
  });
  await ctx.close();
};
