// admin-agents.js - the agents, as the seeds' Agent Management page has
// them: summary cards (total, online, active sessions, platforms),
// filters by platform, status, approval and region and a search (all in
// the URL: /admin/agents?status=offline), a table kept live by the event
// stream, a details dialog (capacity, metadata, sessions, heartbeat),
// approve or reject pending agents, remove with confirmation.

import { get, post, del, enc, q, on } from '../api.js';
import {
  loader, h, append, clear, icon, chip, timeEl, absTime, platformEl, platformLabel, loading,
  empty, errorBox, confirm, dialog, toast, field, input, select, table,
  stat, plural, debounce,
} from '../ui.js';
import { adminNav } from '../app.js';

const FILTERS = ['platform', 'status', 'approval', 'region', 'q'];

export default async function render(ctx) {
  ctx.setTitle('Agents');
  const agents = new Map();
  const f = {};
  for (const k of FILTERS) f[k] = ctx.query.get(k) || '';

  const stats = h('div', { class: 'grid stats' });
  const body = h('div', { class: 'card' }, loading('Loading agents…'));
  const count = h('p', { class: 'sub', role: 'status' });
  const ctl = {
    platform: select({ name: 'platform' }, [['', 'All platforms']], f.platform),
    status: select({ name: 'status' }, [['', 'Any status'], ['online', 'Online'], ['offline', 'Offline'], ['draining', 'Draining']], f.status),
    approval: select({ name: 'approval' }, [['', 'Any approval'], ['pending', 'Pending approval'], ['approved', 'Approved'], ['rejected', 'Rejected']], f.approval),
    region: select({ name: 'region' }, [['', 'All regions']], f.region),
    q: input({ type: 'search', name: 'q', value: f.q, placeholder: 'Agent id or metadata', autocomplete: 'off' }),
  };
  for (const k of FILTERS) {
    ctl[k].addEventListener(k === 'q' ? 'input' : 'change', () => { f[k] = ctl[k].value; sync(); draw(); });
  }
  ctx.main.append(
    adminNav('/admin/agents'),
    h('div', { class: 'page-head' }, h('h1', {}, 'Agents'), count),
    stats,
    h('div', { class: 'toolbar', role: 'search' },
      h('div', { class: 'field grow' }, h('label', { for: 'agent-search' }, 'Search'), Object.assign(ctl.q, { id: 'agent-search' })),
      field('Platform', ctl.platform), field('Status', ctl.status), field('Approval', ctl.approval), field('Region', ctl.region),
      h('button', { class: 'btn', type: 'button', onclick: () => { for (const k of FILTERS) { f[k] = ''; ctl[k].value = ''; } sync(); draw(); } }, 'Clear filters')),
    body);

  function sync() {
    history.replaceState(null, '', q('/admin/agents', f));
  }

  function matches(a) {
    if (f.platform && a.platform !== f.platform) return false;
    if (f.status && a.status !== f.status) return false;
    if (f.approval && a.approvalStatus !== f.approval) return false;
    if (f.region && a.region !== f.region) return false;
    if (f.q) {
      const hay = `${a.agentId} ${a.region} ${a.platform} ${JSON.stringify(a.metadata || {})}`.toLowerCase();
      if (!hay.includes(f.q.toLowerCase())) return false;
    }
    return true;
  }

  const maxSessions = (a) => {
    const c = a.capacity || {};
    return c.max_sessions ?? c.maxSessions ?? null;
  };

  function options(sel, values, label, current) {
    append(clear(sel), [h('option', { value: '' }, label),
      values.filter(Boolean).map((v) => h('option', { value: v, selected: v === current }, v))]);
  }

  function drawStats(list) {
    const online = list.filter((a) => a.status === 'online').length;
    const pending = list.filter((a) => a.approvalStatus === 'pending').length;
    const sessions = list.reduce((n, a) => n + (a.sessions || 0), 0);
    const platforms = new Set(list.map((a) => a.platform));
    clear(stats).append(
      stat('Agents', list.length, pending ? `${pending} awaiting approval` : 'none awaiting approval'),
      stat('Online', online, `${list.length - online} offline or draining`),
      stat('Active sessions', sessions, 'not stopped or failed'),
      stat('Platforms', platforms.size, [...platforms].map(platformLabel).join(', ') || '—'));
  }

  function actions(a) {
    const out = [];
    if (a.approvalStatus === 'pending') {
      out.push(h('button', { class: 'btn small primary', type: 'button', onclick: () => decide(a, 'approve') }, 'Approve'));
      out.push(h('button', { class: 'btn small danger', type: 'button', onclick: () => decide(a, 'reject') }, 'Reject'));
    }
    out.push(h('button', { class: 'btn small danger', type: 'button', 'aria-label': `Remove agent ${a.agentId}`, title: 'Remove', onclick: () => remove(a) }, icon('trash', 16)));
    return out;
  }

  function draw() {
    const all = [...agents.values()].sort((x, y) => x.agentId.localeCompare(y.agentId));
    options(ctl.platform, [...new Set(all.map((a) => a.platform))].sort(), 'All platforms', f.platform);
    options(ctl.region, [...new Set(all.map((a) => a.region))].sort(), 'All regions', f.region);
    drawStats(all);
    const shown = all.filter(matches);
    count.textContent = all.length ? `${plural(shown.length, 'agent')} shown of ${all.length}` : '';
    clear(body);
    if (!all.length) {
      body.append(empty('server', 'No agents yet', 'Agents register from their clusters with the bootstrap key (then wait here for approval), or are added with ssdctl agent add.'));
      return;
    }
    if (!shown.length) {
      body.append(empty('search', 'No agent matches these filters', null));
      return;
    }
    body.append(table('Agents', [
      { label: 'Agent', cell: (a) => h('button', { class: 'link-button cell-main mono', type: 'button', title: 'Details', 'aria-label': `Details of agent ${a.agentId}`, onclick: () => details(a.agentId) }, a.agentId) },
      { label: 'Platform', cell: (a) => platformEl(a.platform) },
      { label: 'Region', cls: 'nowrap', cell: (a) => a.region || '—' },
      { label: 'Status', cell: (a) => chip(a.status) },
      { label: 'Approval', cell: (a) => chip(a.approvalStatus === 'pending' ? 'pending_approval' : a.approvalStatus) },
      { label: 'Sessions', cls: 'num', cell: (a) => (maxSessions(a) != null ? `${a.sessions} / ${maxSessions(a)}` : String(a.sessions)) },
      { label: 'Capacity', cell: (a) => capacityText(a.capacity) },
      { label: 'Last heartbeat', cell: (a) => timeEl(a.lastHeartbeat) },
      { label: 'Actions', cls: 'actions', cell: actions },
    ], shown, { rowAttrs: (a) => ({ 'data-agent': a.agentId }) }));
  }

  function capacityText(c) {
    if (!c || !Object.keys(c).length) return h('span', { class: 'muted' }, '—');
    const parts = [];
    if (c.cpu) parts.push(`CPU ${c.cpu}`);
    if (c.memory) parts.push(`memory ${c.memory}`);
    if (c.storage) parts.push(`storage ${c.storage}`);
    return parts.join(', ') || h('span', { class: 'muted' }, '—');
  }

  async function decide(a, what) {
    const ok = await confirm({
      title: what === 'approve' ? `Approve ${a.agentId}?` : `Reject ${a.agentId}?`,
      text: what === 'approve'
        ? 'It receives its own key at its next registration and may then run sessions.'
        : 'It will not be able to connect. Its registration is refused from now on.',
      confirmLabel: what === 'approve' ? 'Approve' : 'Reject', danger: what !== 'approve',
    });
    if (!ok) return;
    try {
      await post(`/api/v1/admin/agents/${enc(a.agentId)}/${what}`);
      toast(`${a.agentId} ${what === 'approve' ? 'approved' : 'rejected'}`, 'ok');
      load();
    } catch (e) { toast(e.message, 'bad'); }
  }

  async function remove(a) {
    const ok = await confirm({
      title: `Remove ${a.agentId}?`,
      text: a.status === 'online'
        ? `This agent is online with ${plural(a.sessions || 0, 'live session')}. Removing it deletes its commands; its sessions lose their agent. It can register again.`
        : `Its queued commands are deleted and its ${plural(a.sessions || 0, 'session')} lose their agent.`,
      confirmLabel: 'Remove agent', danger: true,
    });
    if (!ok) return;
    try {
      await del(`/api/v1/agents/${enc(a.agentId)}`);
      agents.delete(a.agentId);
      draw();
      toast(`${a.agentId} removed`, 'ok');
    } catch (e) { toast(e.message, 'bad'); }
  }

  async function details(id) {
    const box = h('div', {}, loading());
    dialog({ title: `Agent ${id}`, body: box, wide: true });
    try {
      const [a, s] = await Promise.all([get(`/api/v1/agents/${enc(id)}`), get(q('/api/v1/sessions', { agent: id }))]);
      const live = s.sessions.filter((x) => x.state !== 'terminated' && x.state !== 'failed');
      const row = (k, v) => [h('dt', {}, k), h('dd', {}, v)];
      clear(box).append(
        h('dl', { class: 'kv' },
          row('Agent', h('code', {}, a.agentId)),
          row('Platform', platformEl(a.platform)),
          row('Region', a.region || '—'),
          row('Status', chip(a.status)),
          row('Approval', chip(a.approvalStatus === 'pending' ? 'pending_approval' : a.approvalStatus)),
          row('Last heartbeat', a.lastHeartbeat ? h('span', {}, timeEl(a.lastHeartbeat), ` · ${absTime(a.lastHeartbeat)}`) : 'never'),
          row('Registered', h('span', {}, timeEl(a.createdAt), ` · ${absTime(a.createdAt)}`)),
          row('Capacity', h('pre', { class: 'json' }, JSON.stringify(a.capacity || {}, null, 2))),
          row('Metadata', h('pre', { class: 'json' }, JSON.stringify(a.metadata || {}, null, 2)))),
        h('h3', {}, `Live sessions (${live.length})`),
        live.length ? table(`Sessions on ${id}`, [
          { label: 'Session', cell: (x) => h('span', { class: 'mono' }, x.id) },
          { label: 'User', cell: (x) => x.user },
          { label: 'State', cell: (x) => chip(x.state) },
          { label: 'Created', cell: (x) => timeEl(x.createdAt) },
        ], live) : h('p', { class: 'muted' }, 'None.'));
    } catch (e) {
      clear(box).append(errorBox(e));
    }
  }

  const load = loader(ctx, body, () => get('/api/v1/agents'), (res) => {
    agents.clear();
    for (const a of res.agents) agents.set(a.agentId, a);
    draw();
  });

  const redraw = debounce(draw, 100);
  ctx.cleanup(on('agent', (a) => {
    if (a.deleted) agents.delete(a.agentId);
    else agents.set(a.agentId, a);
    redraw();
  }));
  ctx.cleanup(on('resync', load));
  await load();
}
