// catalog.js - the templates a user may launch, with search and
// categories; launching follows the new session live (pending, starting,
// running, or the agent's reason for failing) and opens it when it runs.
// The API's refusals (no agent, no capacity, quota) are said plainly.

import { get, post, enc, q, on } from '../api.js';
import {
  loader, h, append, clear, icon, appIcon, loading, empty, dialog, field,
  input, select, alertBox, plural,
} from '../ui.js';
import { hasRole } from '../app.js';

const STEPS = [
  ['pending', 'Queued for an agent'],
  ['starting', 'Starting the desktop'],
  ['running', 'Running'],
];

export default async function render(ctx) {
  ctx.setTitle('Catalog');
  let templates = [];
  let term = ctx.query.get('q') || '';
  let category = ctx.query.get('category') || '';

  const count = h('p', { class: 'sub', role: 'status' });
  const search = input({ type: 'search', name: 'q', value: term, placeholder: 'Firefox, desktop, editor…', autocomplete: 'off' });
  const catSel = select({ name: 'category' }, [['', 'All categories']], category);
  const body = h('div', {}, loading('Loading the catalog…'));
  ctx.main.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'Catalog'),
      h('p', { class: 'sub' }, 'Start a desktop or an application. It opens in this browser.'), count),
    h('div', { class: 'toolbar', role: 'search' },
      h('div', { class: 'field grow' }, h('label', { for: 'catalog-search' }, 'Search'),
        Object.assign(search, { id: 'catalog-search' })),
      field('Category', catSel)),
    body);

  search.addEventListener('input', () => { term = search.value; sync(); draw(); });
  catSel.addEventListener('change', () => { category = catSel.value; sync(); draw(); });

  function sync() {
    history.replaceState(null, '', q('/catalog', { q: term, category }));
  }

  function matches(t) {
    if (category && t.category !== category) return false;
    if (!term.trim()) return true;
    const hay = [t.name, t.display_name, t.description, t.category, ...(t.tags || [])].join(' ').toLowerCase();
    return term.toLowerCase().split(/\s+/).filter(Boolean).every((w) => hay.includes(w));
  }

  function card(t) {
    const name = t.display_name || t.name;
    const launch = h('button', { class: 'btn primary small', type: 'button', 'aria-label': `Launch ${name}` }, icon('play', 16), 'Launch');
    launch.addEventListener('click', () => start(t, launch));
    return h('article', { class: 'card tile', 'data-template': t.name },
      h('div', { class: 'tile-head' }, appIcon(t.icon_url, name),
        h('div', { class: 'tile-title' }, h('h2', {}, name),
          h('div', { class: 'sub' }, t.category || 'Uncategorised'))),
      h('p', { class: 'tile-desc' }, t.description || 'No description.'),
      (t.tags || []).length ? h('div', { class: 'tile-tags' }, t.tags.slice(0, 6).map((g) => h('span', { class: 'chip plain' }, g))) : null,
      h('div', { class: 'tile-actions' }, launch));
  }

  function draw() {
    clear(body);
    const shown = templates.filter(matches);
    count.textContent = templates.length ? `${plural(shown.length, 'application')}${shown.length !== templates.length ? ` of ${templates.length}` : ''}` : '';
    if (!templates.length) {
      body.append(empty('grid', 'The catalog is empty',
        hasRole(ctx.user, 'operator') ? 'Import StreamSpace templates to offer desktops and applications.' : 'No applications are offered yet. Ask an administrator to add some.',
        hasRole(ctx.user, 'operator') ? h('a', { class: 'btn primary', href: '/admin/templates' }, icon('upload', 18), 'Import templates') : null));
      return;
    }
    if (!shown.length) {
      body.append(empty('search', 'Nothing matches', 'Try other words, or all categories.',
        h('button', { class: 'btn', type: 'button', onclick: () => { term = ''; category = ''; search.value = ''; catSel.value = ''; sync(); draw(); } }, 'Clear the search')));
      return;
    }
    body.append(h('div', { class: 'grid tiles', id: 'catalog-list' }, shown.map(card)));
  }

  // The launch: the session's progress from the event stream, until it
  // runs (then it opens) or fails (then the agent's reason shows).
  async function start(t, btn) {
    const name = t.display_name || t.name;
    btn.disabled = true;
    let sid = null;
    let opened = false;
    const steps = h('ol', { class: 'steps' }, STEPS.map(([state, label]) =>
      h('li', { 'data-step': state }, h('span', { class: 'dot', 'aria-hidden': 'true' }), h('span', {}, label))));
    const note = h('div', { role: 'status', 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Asking for a session…'));
    const openBtn = h('a', { class: 'btn primary', hidden: true }, icon('open', 16), 'Open');
    const closeBtn = h('button', { class: 'btn', type: 'button' }, 'Close');
    const unsub = [];
    const d = dialog({
      title: `Launching ${name}`,
      body: h('div', { class: 'stack' }, steps, note),
      foot: [closeBtn, openBtn],
      onclose: () => { unsub.forEach((f) => f()); btn.disabled = false; },
    });
    closeBtn.addEventListener('click', () => d.close());

    const mark = (state) => {
      const order = STEPS.map((s) => s[0]);
      const at = state === 'running' ? 2 : state === 'starting' ? 1 : 0;
      for (const li of steps.children) {
        const i = order.indexOf(li.dataset.step);
        li.className = i < at || state === 'running' ? 'done' : i === at ? 'current' : '';
        clear(li.firstChild).append(li.className === 'done' ? icon('check', 14) : '');
      }
    };
    const failed = (title, text) => {
      for (const li of steps.children) {
        if (li.className === 'current') {
          li.className = 'failed';
          clear(li.firstChild).append(icon('x', 14));
        }
      }
      clear(note).append(alertBox('bad', title, text));
    };
    const follow = (s) => {
      if (!s || s.id !== sid || opened) return;
      if (s.state === 'failed') {
        const reason = s.platformMetadata && s.platformMetadata.reason;
        failed('The session could not start', reason ? `The agent said: ${reason}` : 'The agent could not start it.');
      } else if (s.state === 'running') {
        mark('running');
        clear(note).append(alertBox('ok', 'It is running', 'Opening it…'));
        opened = true;
        setTimeout(() => { if (d.open) { d.close(); ctx.navigate(`/sessions/${enc(sid)}`); } }, 600);
      } else if (s.state === 'degraded') {
        failed('The agent went offline', 'The agent chosen for this session is not connected. The session starts when it comes back.');
      } else if (s.state === 'terminating' || s.state === 'terminated') {
        failed('The session was stopped', 'It was stopped before it started.');
      } else {
        mark(s.state === 'starting' ? 'starting' : 'pending');
        clear(note).append(h('p', { class: 'muted' }, `Session ${sid} on agent ${s.agentId || '…'}${s.region ? ` (${s.region})` : ''}.`));
      }
    };
    mark('pending');
    unsub.push(on('session', follow));
    unsub.push(on('resync', async () => { if (sid) { try { follow(await get(`/api/v1/sessions/${enc(sid)}`)); } catch (e) { /* shown by the next event */ } } }));
    try {
      const s = await post('/api/v1/sessions', { template: t.name });
      sid = s.id;
      openBtn.href = `/sessions/${enc(sid)}`;
      openBtn.hidden = false;
      follow(s);
      // An event may have come before we knew the id.
      follow(await get(`/api/v1/sessions/${enc(sid)}`));
    } catch (e) {
      if (!d.open) return;
      const title = e.code === 'quota_exceeded' ? 'Your session quota is used up'
        : e.code === 'no_agent_available' || e.code === 'no_capacity' ? 'No capacity right now'
          : 'The session was not created';
      failed(title, e.message);
      if (e.code === 'quota_exceeded') {
        note.append(h('p', {}, h('a', { href: '/sessions' }, 'Go to my sessions'), ' to stop one.'));
      }
    }
  }

  const load = loader(ctx, body, () => get('/api/v1/templates'), (res) => {
    templates = res.templates.filter((t) => t.enabled !== false);
    append(clear(catSel), [h('option', { value: '' }, 'All categories'),
      [...new Set(templates.map((t) => t.category).filter(Boolean))].sort()
        .map((c) => h('option', { value: c, selected: c === category }, c))]);
    draw();
  });
  await load();
}
