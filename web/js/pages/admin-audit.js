// admin-audit.js - the audit trail: who did what, to what, from where,
// and how it ended; filters by user, action text and time range, and
// pages of 50, newest first, all in the URL.

import { get, q } from '../api.js';
import {
  h, clear, icon, timeEl, absTime, loading, empty, errorBox, dialog, field,
  input, table,
} from '../ui.js';
import { adminNav } from '../app.js';

const PAGE = 50;

// <input type=datetime-local> value (local time) <-> ISO (UTC).
function toIso(local) {
  if (!local) return '';
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString().replace(/\.\d+Z$/, 'Z');
}

function toLocal(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

function statusChip(st) {
  const n = Number(st);
  const cls = !n ? '' : n < 300 ? 'ok' : n < 500 ? 'warn' : 'bad';
  return h('span', { class: ['chip plain', cls] }, st ? String(st) : '—');
}

export default async function render(ctx) {
  ctx.setTitle('Audit log');
  const f = {
    user: ctx.query.get('user') || '',
    search: ctx.query.get('search') || '',
    since: ctx.query.get('since') || '',
    until: ctx.query.get('until') || '',
  };
  let offset = Math.max(0, parseInt(ctx.query.get('offset') || '0', 10) || 0);

  const user = input({ name: 'user', value: f.user, placeholder: 'user name', autocomplete: 'off' });
  const search = input({ type: 'search', name: 'search', value: f.search, placeholder: 'login, sessions, DELETE…', autocomplete: 'off' });
  const since = input({ type: 'datetime-local', name: 'since', value: toLocal(f.since) });
  const until = input({ type: 'datetime-local', name: 'until', value: toLocal(f.until) });
  const body = h('div', { class: 'card' }, loading('Loading the audit log…'));
  const form = h('form', { class: 'toolbar', role: 'search', novalidate: true },
    field('User', user), h('div', { class: 'field grow' }, h('label', { for: 'audit-search' }, 'Action contains'), Object.assign(search, { id: 'audit-search' })),
    field('From', since), field('Until', until),
    h('button', { class: 'btn primary', type: 'submit' }, icon('search', 16), 'Apply'),
    h('button', { class: 'btn', type: 'button', onclick: () => { user.value = search.value = since.value = until.value = ''; apply(); } }, 'Clear'));
  form.addEventListener('submit', (e) => { e.preventDefault(); apply(); });
  ctx.main.append(adminNav('/admin/audit'),
    h('div', { class: 'page-head' }, h('h1', {}, 'Audit log'),
      h('p', { class: 'sub' }, 'Every sign-in and every change made through the API, newest first.')),
    form, body);

  function apply() {
    f.user = user.value.trim();
    f.search = search.value.trim();
    f.since = toIso(since.value);
    f.until = toIso(until.value);
    offset = 0;
    load();
  }

  function sync() {
    history.replaceState(null, '', q('/admin/audit', { ...f, offset: offset || '' }));
  }

  function details(e) {
    dialog({
      title: e.action, wide: true,
      body: h('div', { class: 'stack' },
        h('dl', { class: 'kv' },
          h('dt', {}, 'When'), h('dd', {}, absTime(e.timestamp)),
          h('dt', {}, 'User'), h('dd', {}, e.username || e.userId || '—'),
          h('dt', {}, 'Resource'), h('dd', {}, `${e.resourceType || '—'} ${e.resourceId || ''}`),
          h('dt', {}, 'From'), h('dd', {}, e.ipAddress || '—')),
        h('pre', { class: 'json' }, JSON.stringify(e.details || {}, null, 2))),
    });
  }

  async function load() {
    sync();
    clear(body).append(loading('Loading the audit log…'));
    try {
      const res = await get(q('/api/v1/admin/audit', { ...f, limit: PAGE + 1, offset }));
      if (!ctx.isCurrent()) return;
      const more = res.entries.length > PAGE;
      const rows = res.entries.slice(0, PAGE);
      clear(body);
      if (!rows.length) {
        body.append(empty('list', 'Nothing found', offset ? 'No older entries.' : 'No entry matches these filters.'));
      } else {
        body.append(table('Audit log', [
          { label: 'When', cls: 'nowrap', cell: (e) => timeEl(e.timestamp) },
          { label: 'User', cell: (e) => e.username || (e.details && e.details.username ? [h('div', {}, e.details.username), h('div', { class: 'cell-sub' }, 'signing in')] : h('span', { class: 'muted' }, '—')) },
          { label: 'Action', cell: (e) => h('span', { class: 'mono' }, e.action) },
          { label: 'Resource', cell: (e) => [h('div', {}, e.resourceType || '—'), e.resourceId ? h('div', { class: 'cell-sub mono' }, e.resourceId) : null] },
          { label: 'Result', cell: (e) => statusChip(e.details && e.details.status) },
          { label: 'From', cell: (e) => h('span', { class: 'mono' }, e.ipAddress || '—') },
          { label: 'Details', cls: 'actions', cell: (e) => h('button', { class: 'btn small', type: 'button', 'aria-label': `Details of entry ${e.id}`, onclick: () => details(e) }, 'Details') },
        ], rows));
      }
      const prev = h('button', { class: 'btn small', type: 'button', disabled: offset === 0, onclick: () => { offset = Math.max(0, offset - PAGE); load(); } }, icon('back', 16), 'Newer');
      const next = h('button', { class: 'btn small', type: 'button', disabled: !more, onclick: () => { offset += PAGE; load(); } }, 'Older');
      body.append(h('nav', { class: 'pager', 'aria-label': 'Pages' },
        prev, h('span', { class: 'muted' }, rows.length ? `Entries ${offset + 1}–${offset + rows.length}` : ''), next));
    } catch (e) {
      if (!ctx.isCurrent()) return;
      clear(body).append(errorBox(e, load));
    }
  }
  await load();
}
