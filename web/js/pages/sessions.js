// sessions.js - "My sessions": a card per session (template icon and
// name, live state, platform, agent, region, created, last active) with
// open, hibernate, wake and delete; kept current by the event stream.
// Operators and administrators may also look at everyone's sessions.

import { get, put, del, enc, q, on } from '../api.js';
import {
  loader, h, clear, icon, chip, timeEl, platformEl, appIcon, loading, empty,
  confirm, toast, field, select, plural,
} from '../ui.js';
import { hasRole } from '../app.js';

const STOPPED = new Set(['terminated']);

export default async function render(ctx) {
  ctx.setTitle('My sessions');
  const me = ctx.user;
  const privileged = hasRole(me, 'operator');
  let whose = privileged && ctx.query.get('whose') === 'all' ? 'all' : 'mine';
  let showStopped = ctx.query.get('stopped') === '1';
  const sessions = new Map();	// id -> session
  const cards = new Map();	// id -> element
  let templates = new Map();	// name -> template

  const count = h('p', { class: 'sub', role: 'status' });
  const list = h('div', { class: 'grid tiles', id: 'session-list', 'aria-label': 'Sessions' });
  const body = h('div', {}, loading('Loading your sessions…'));

  const stoppedBox = h('input', { type: 'checkbox', checked: showStopped });
  stoppedBox.addEventListener('change', () => { showStopped = stoppedBox.checked; syncUrl(); draw(); });
  const tools = [h('label', { class: 'check' }, stoppedBox, 'Show stopped sessions')];
  if (privileged) {
    const sel = select({ name: 'whose' }, [['mine', 'Mine'], ['all', 'Everyone’s']], whose);
    sel.addEventListener('change', () => { whose = sel.value; syncUrl(); load(); });
    tools.unshift(field('Sessions of', sel));
  }
  ctx.main.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'My sessions'),
      h('a', { class: 'btn primary', href: '/catalog' }, icon('plus', 18), 'New session'), count),
    h('div', { class: 'toolbar' }, tools),
    body);

  function syncUrl() {
    history.replaceState(null, '', q('/sessions', { whose: whose === 'all' ? 'all' : '', stopped: showStopped ? '1' : '' }));
  }

  function visible(s) {
    if (whose === 'mine' && s.userId !== me.id) return false;
    return showStopped || !STOPPED.has(s.state);
  }

  async function act(s, what, btn) {
    btn.disabled = true;
    try {
      if (what === 'delete') {
        const ok = await confirm({
          title: 'Delete this session?',
          text: `${title(s)} (${s.id}) will be stopped and its desktop discarded. This cannot be undone.`,
          confirmLabel: 'Delete session', danger: true,
        });
        if (!ok) { btn.disabled = false; return; }
        upsert(await del(`/api/v1/sessions/${enc(s.id)}`));
        toast(`Deleting ${title(s)}`, 'info', 3000);
      } else {
        upsert(await put(`/api/v1/sessions/${enc(s.id)}/${what}`));
      }
    } catch (e) {
      toast(e.message, 'bad');
      btn.disabled = false;
    }
  }

  function title(s) {
    const t = templates.get(s.template);
    return (t && t.display_name) || s.template || s.id;
  }

  function card(s) {
    const t = templates.get(s.template);
    const reason = s.state === 'failed' && s.platformMetadata && s.platformMetadata.reason;
    const actions = [];
    const btn = (cls, iconName, label, what) => {
      const b = h('button', { class: ['btn small', cls], type: 'button' }, icon(iconName, 16), label);
      b.addEventListener('click', () => act(s, what, b));
      return b;
    };
    if (s.state === 'running') {
      actions.push(h('a', { class: 'btn small primary', href: `/sessions/${enc(s.id)}` }, icon('open', 16), 'Open'));
      actions.push(btn('', 'pause', 'Hibernate', 'hibernate'));
    } else if (s.state === 'hibernated') {
      actions.push(btn('primary', 'sun', 'Wake', 'wake'));
    } else if (s.state !== 'terminated' && s.state !== 'failed') {
      actions.push(h('a', { class: 'btn small', href: `/sessions/${enc(s.id)}` }, 'View'));
    }
    actions.push(h('span', { class: 'spacer' }));
    if (s.state !== 'terminated' && s.state !== 'terminating') actions.push(btn('danger', 'trash', 'Delete', 'delete'));
    const row = (k, v) => [h('dt', {}, k), h('dd', {}, v)];
    return h('article', { class: 'card tile', 'data-session': s.id, 'aria-label': `${title(s)}, ${s.state}` },
      h('div', { class: 'tile-head' }, appIcon(t && t.icon_url, title(s)),
        h('div', { class: 'tile-title' }, h('h2', {}, title(s)), h('div', { class: 'sub mono' }, s.id), chip(s.state))),
      reason ? h('p', { class: 'tile-reason' }, reason) : null,
      h('dl', { class: 'tile-meta' },
        row('Platform', platformEl(s.platform)),
        row('Agent', s.agentId ? h('span', { class: 'mono' }, s.agentId) : '—'),
        row('Region', s.region || '—'),
        whose === 'all' ? row('Owner', s.user || '—') : null,
        row('Created', timeEl(s.createdAt)),
        row('Last active', timeEl(s.lastActivity))),
      h('div', { class: 'tile-actions' }, actions));
  }

  function upsert(s) {
    if (!s || !s.id) return;
    sessions.set(s.id, s);
    const old = cards.get(s.id);
    if (!visible(s)) {
      if (old) old.remove();
      cards.delete(s.id);
      summary();
      if (!cards.size) draw();
      return;
    }
    const el = card(s);
    const hadFocus = old && old.contains(document.activeElement) ? document.activeElement.textContent : null;
    if (old) old.replaceWith(el);
    else {
      if (!list.isConnected) { draw(); return; }
      list.prepend(el);
    }
    cards.set(s.id, el);
    if (hadFocus) {
      const again = [...el.querySelectorAll('button, a')].find((b) => b.textContent === hadFocus);
      if (again) again.focus();
    }
    summary();
  }

  function summary() {
    const shown = [...sessions.values()].filter(visible);
    const running = shown.filter((s) => s.state === 'running').length;
    count.textContent = shown.length ? `${plural(shown.length, 'session')}, ${running} running` : '';
  }

  function draw() {
    clear(list);
    cards.clear();
    const shown = [...sessions.values()].filter(visible)
      .sort((a, b) => (b.createdAt || '').localeCompare(a.createdAt || '') || a.id.localeCompare(b.id));
    clear(body);
    if (!shown.length) {
      body.append(empty('desktop', showStopped || whose === 'all' ? 'No sessions here' : 'No sessions yet',
        'Start a desktop or an application from the catalog. It opens in this browser.',
        h('a', { class: 'btn primary', href: '/catalog' }, icon('grid', 18), 'Open the catalog')));
    } else {
      for (const s of shown) {
        const el = card(s);
        cards.set(s.id, el);
        list.append(el);
      }
      body.append(list);
    }
    summary();
  }

  const load = loader(ctx, body, () => Promise.all([
    get(q('/api/v1/sessions', { user: privileged && whose === 'mine' ? me.id : '' })),
    templates.size ? null : get('/api/v1/templates').catch(() => ({ templates: [] })),
  ]), ([res, tpl]) => {
    if (tpl) templates = new Map(tpl.templates.map((t) => [t.name, t]));
    sessions.clear();
    for (const s of res.sessions) sessions.set(s.id, s);
    draw();
  });

  ctx.cleanup(on('session', upsert));
  ctx.cleanup(on('resync', load));
  await load();
}
