// admin-dashboard.js - the platform at a glance: agents by status and
// platform, sessions by state, users, and the recent failures with their
// reasons; refreshed from the event stream.

import { get, on } from '../api.js';
import {
  loader, h, append, clear, icon, chip, timeEl, loading, stat, bars, stateKind,
  stateLabel, platformLabel, table, debounce, empty,
} from '../ui.js';
import { adminNav } from '../app.js';

const ORDER = ['running', 'pending', 'starting', 'waking', 'hibernating', 'hibernated', 'degraded', 'terminating', 'failed', 'terminated'];

function tally(list, key) {
  const m = new Map();
  for (const x of list) m.set(key(x), (m.get(key(x)) || 0) + 1);
  return m;
}

export default async function render(ctx) {
  ctx.setTitle('Administration');
  const body = h('div', {}, loading('Loading the dashboard…'));
  ctx.main.append(adminNav('/admin'),
    h('div', { class: 'page-head' }, h('h1', {}, 'Dashboard'),
      h('p', { class: 'sub' }, 'Agents, sessions and users across the platform, live.')),
    body);

  function panel(title, ...content) {
    return h('section', { class: 'card panel' }, h('h2', {}, title), content);
  }

  function draw(agents, sessions, users) {
    const online = agents.filter((a) => a.status === 'online').length;
    const pending = agents.filter((a) => a.approvalStatus === 'pending');
    const live = sessions.filter((s) => s.state !== 'terminated' && s.state !== 'failed');
    const failed = sessions.filter((s) => s.state === 'failed')
      .sort((a, b) => (b.updatedAt || '').localeCompare(a.updatedAt || '')).slice(0, 8);
    const byState = tally(sessions, (s) => s.state);
    const byStatus = tally(agents, (a) => a.status);
    const byPlatform = tally(agents, (a) => a.platform);

    append(clear(body), [
      h('div', { class: 'grid stats' },
        stat('Agents online', `${online} / ${agents.length}`, pending.length ? `${pending.length} awaiting approval` : 'none awaiting approval'),
        stat('Live sessions', live.length, `${(byState.get('running') || 0)} running`),
        stat('Failed sessions', byState.get('failed') || 0, 'kept until deleted'),
        stat('Users', users.length, `${users.filter((u) => u.active).length} active`)),
      pending.length ? h('div', { class: 'alert warn' }, icon('alert', 20),
        h('div', { class: 'alert-body' }, h('strong', {}, `${pending.length} agent${pending.length === 1 ? '' : 's'} awaiting approval`),
          h('span', {}, pending.map((a) => a.agentId).join(', ')),
          h('div', { class: 'alert-actions' }, h('a', { class: 'btn small', href: '/admin/agents?approval=pending' }, 'Review them')))) : null,
      h('div', { class: 'grid two' },
        panel('Sessions by state', bars(ORDER.filter((s) => byState.get(s)).map((s) => [stateLabel(s), byState.get(s), stateKind(s)]), 'No sessions yet.')),
        panel('Agents by status', bars([...byStatus].map(([s, n]) => [stateLabel(s), n, stateKind(s)]), 'No agents yet.'),
          h('h3', {}, 'By platform'),
          bars([...byPlatform].map(([p, n]) => [platformLabel(p), n, 'info']), 'No agents yet.'))),
      h('section', { class: 'card panel' },
        h('div', { class: 'row' }, h('h2', {}, 'Recent failures'), h('a', { class: 'right', href: '/admin/audit' }, 'Audit log')),
        failed.length ? table('Recent failures', [
          { label: 'Session', cell: (s) => [h('div', { class: 'cell-main mono' }, s.id), h('div', { class: 'cell-sub' }, s.template)] },
          { label: 'User', cell: (s) => s.user },
          { label: 'Agent', cell: (s) => h('span', { class: 'mono' }, s.agentId || '—') },
          { label: 'Reason', cell: (s) => (s.platformMetadata && s.platformMetadata.reason) || h('span', { class: 'muted' }, 'none given') },
          { label: 'When', cell: (s) => timeEl(s.updatedAt) },
        ], failed) : empty('check', 'No failures', 'No session has failed.')),
      h('section', { class: 'card panel' },
        h('div', { class: 'row' }, h('h2', {}, 'Agents'), h('a', { class: 'right', href: '/admin/agents' }, 'Manage agents')),
        agents.length ? table('Agents', [
          { label: 'Agent', cell: (a) => h('span', { class: 'mono' }, a.agentId) },
          { label: 'Status', cell: (a) => chip(a.status) },
          { label: 'Sessions', cls: 'num', cell: (a) => String(a.sessions) },
          { label: 'Last heartbeat', cell: (a) => timeEl(a.lastHeartbeat) },
        ], agents.slice(0, 10)) : h('p', { class: 'muted' }, 'No agents yet.'))]);
  }

  const load = loader(ctx, body,
    () => Promise.all([get('/api/v1/agents'), get('/api/v1/sessions'), get('/api/v1/users')]),
    ([a, s, u]) => draw(a.agents, s.sessions, u.users));
  const later = debounce(load, 1500);
  ctx.cleanup(on('session', later));
  ctx.cleanup(on('agent', later));
  ctx.cleanup(on('resync', later));
  await load();
}
