// ui.js - the DOM toolkit every page uses.  Elements are built with h(),
// which sets text with text nodes and attributes with setAttribute: data
// from the API (names users typed) can never become markup here.  Also
// icons, times, state chips, dialogs, toasts and the loading, empty and
// error states, so that every page looks and behaves the same.

// h('button', { class: 'btn', onclick: f, 'aria-label': 'x' }, 'text', node)
export function h(tag, attrs, ...children) {
  const el = tag.startsWith('svg:')
    ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4))
    : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v);
    } else if (k === 'class') {
      el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
    } else if (k === 'dataset') {
      Object.assign(el.dataset, v);
    } else if (k === 'value' && 'value' in el) {
      el.value = v;
    } else if (k === 'checked' || k === 'selected' || k === 'disabled' || k === 'hidden') {
      el[k] = Boolean(v);
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

// ---- icons: 24x24 strokes, built as SVG elements ------------------------

const ICONS = {
  desktop: ['M3 5h18v11H3z', 'M8 20h8', 'M12 16v4'],
  play: ['M8 5l11 7-11 7z'],
  open: ['M14 4h6v6', 'M20 4l-9 9', 'M18 14v5a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V7a1 1 0 0 1 1-1h5'],
  pause: ['M8 5v14', 'M16 5v14'],
  sun: ['M12 3v2', 'M12 19v2', 'M3 12h2', 'M19 12h2', 'M5.6 5.6l1.4 1.4', 'M17 17l1.4 1.4', 'M5.6 18.4L7 17', 'M17 7l1.4-1.4', 'M12 8a4 4 0 1 0 0 8a4 4 0 1 0 0-8z'],
  trash: ['M4 7h16', 'M10 11v6', 'M14 11v6', 'M6 7l1 13h10l1-13', 'M9 7V4h6v3'],
  plus: ['M12 5v14', 'M5 12h14'],
  search: ['M11 4a7 7 0 1 0 0 14a7 7 0 1 0 0-14z', 'M20 20l-4-4'],
  refresh: ['M20 11a8 8 0 1 0-2.3 5.7', 'M20 5v6h-6'],
  fullscreen: ['M4 9V4h5', 'M20 9V4h-5', 'M4 15v5h5', 'M20 15v5h-5'],
  clipboard: ['M9 4h6v3H9z', 'M9 5H6v15h12V5h-3'],
  keyboard: ['M3 7h18v10H3z', 'M7 11h.01', 'M11 11h.01', 'M15 11h.01', 'M8 14h8'],
  power: ['M12 3v9', 'M6.3 7.5a8 8 0 1 0 11.4 0'],
  info: ['M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18z', 'M12 11v5', 'M12 8h.01'],
  alert: ['M12 4l9 16H3z', 'M12 10v4', 'M12 17h.01'],
  check: ['M5 12l5 5 9-10'],
  x: ['M6 6l12 12', 'M18 6L6 18'],
  back: ['M15 5l-7 7 7 7'],
  menu: ['M4 7h16', 'M4 12h16', 'M4 17h16'],
  user: ['M12 4a4 4 0 1 0 0 8a4 4 0 1 0 0-8z', 'M4 20c1.5-4 4.5-6 8-6s6.5 2 8 6'],
  users: ['M9 5a3.5 3.5 0 1 0 0 7a3.5 3.5 0 1 0 0-7z', 'M2.5 19c1-3.5 3.5-5 6.5-5s5.5 1.5 6.5 5', 'M16 5.5a3 3 0 0 1 0 6', 'M18 14c2 .6 3.2 2.2 3.8 5'],
  server: ['M4 4h16v6H4z', 'M4 14h16v6H4z', 'M8 7h.01', 'M8 17h.01'],
  shield: ['M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6z'],
  key: ['M8 11a4 4 0 1 0 0 .01', 'M12 12h9', 'M18 12v3', 'M15 12v2'],
  logout: ['M15 4h4v16h-4', 'M10 8l-4 4 4 4', 'M6 12h10'],
  settings: ['M12 9a3 3 0 1 0 0 6a3 3 0 1 0 0-6z', 'M19 12l2-1-1-3-2.2.3-1.3-1.3L16.8 5l-3-1-1 2h-1.6l-1-2-3 1 .3 2.2L6.2 8.5 4 8.2 3 11l2 1v1.6l-2 1 1 3 2.2-.3 1.3 1.3-.3 2.2 3 1 1-2h1.6l1 2 3-1-.3-2.2 1.3-1.3 2.2.3 1-3-2-1z'],
  grid: ['M4 4h7v7H4z', 'M13 4h7v7h-7z', 'M4 13h7v7H4z', 'M13 13h7v7h-7z'],
  list: ['M8 6h12', 'M8 12h12', 'M8 18h12', 'M4 6h.01', 'M4 12h.01', 'M4 18h.01'],
  upload: ['M12 16V4', 'M7 9l5-5 5 5', 'M4 20h16'],
  copy: ['M9 9h11v11H9z', 'M5 15H4V4h11v1'],
  kubernetes: ['M12 2.5l8.3 4v9L12 21.5l-8.3-6v-9z', 'M12 7v10', 'M7.5 9.5l9 5', 'M16.5 9.5l-9 5'],
  docker: ['M3 12h17c0 4-3.5 7-9 7-4.5 0-7.5-2.5-8-7z', 'M5 9h3v3H5z', 'M8 9h3v3H8z', 'M11 9h3v3h-3z', 'M8 6h3v3H8z', 'M20 11c.5-1.5 1.5-2 2-2'],
  vm: ['M4 4h16v12H4z', 'M8 20h8', 'M8 8h8v4H8z'],
  cloud: ['M7 18a4 4 0 0 1-.5-8A6 6 0 0 1 18 9.5a4.3 4.3 0 0 1-.5 8.5z'],
  clock: ['M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18z', 'M12 7v5l3 2'],
  activity: ['M3 12h4l3-7 4 14 3-7h4'],
  file: ['M6 3h8l4 4v14H6z', 'M14 3v4h4'],
  external: ['M14 4h6v6', 'M20 4l-9 9'],
};

export function icon(name, size = 18, label = null) {
  const svg = h('svg:svg', {
    width: size, height: size, viewBox: '0 0 24 24', fill: 'none',
    stroke: 'currentColor', 'stroke-width': 1.9, 'stroke-linecap': 'round',
    'stroke-linejoin': 'round', 'aria-hidden': label ? null : 'true',
    role: label ? 'img' : null, 'aria-label': label,
  });
  for (const d of ICONS[name] || ICONS.info) svg.append(h('svg:path', { d }));
  return svg;
}

export function platformIcon(platform) {
  const p = String(platform || '').toLowerCase();
  const name = p.startsWith('kube') || p === 'k8s' ? 'kubernetes'
    : p === 'docker' ? 'docker' : p === 'vm' ? 'vm'
      : p === 'cloud' ? 'cloud' : 'server';
  return icon(name, 16);
}

export function platformLabel(platform) {
  const p = String(platform || '');
  const names = { kubernetes: 'Kubernetes', docker: 'Docker', vm: 'VM', cloud: 'Cloud' };
  return names[p.toLowerCase()] || p || '—';
}

export function platformEl(platform) {
  return h('span', { class: 'platform' }, platformIcon(platform), platformLabel(platform));
}

// ---- times ----------------------------------------------------------------

const absFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const relFmt = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

export function absTime(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : absFmt.format(d);
}

export function relTime(iso, now = Date.now()) {
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return '—';
  const s = Math.round((t - now) / 1000);
  const a = Math.abs(s);
  if (a < 45) return relFmt.format(0, 'second') === 'now' ? 'just now' : relFmt.format(s, 'second');
  if (a < 2700) return relFmt.format(Math.round(s / 60), 'minute');
  if (a < 79200) return relFmt.format(Math.round(s / 3600), 'hour');
  if (a < 2592000) return relFmt.format(Math.round(s / 86400), 'day');
  if (a < 31536000) return relFmt.format(Math.round(s / 2592000), 'month');
  return relFmt.format(Math.round(s / 31536000), 'year');
}

// A <time> that says "5 minutes ago" and shows the date on hover; all of
// them are refreshed every 30 s.
export function timeEl(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  return h('time', { datetime: iso, title: absTime(iso), 'data-rel': '' }, relTime(iso));
}

setInterval(() => {
  for (const t of document.querySelectorAll('time[data-rel]')) {
    t.textContent = relTime(t.getAttribute('datetime'));
  }
}, 30000);

// ---- session states ---------------------------------------------------------

const STATES = {
  pending: ['warn busy', 'Pending'],
  starting: ['warn busy', 'Starting'],
  running: ['ok', 'Running'],
  hibernating: ['info busy', 'Hibernating'],
  hibernated: ['info', 'Hibernated'],
  waking: ['warn busy', 'Waking'],
  terminating: ['', 'Stopping'],
  terminated: ['', 'Stopped'],
  failed: ['bad', 'Failed'],
  degraded: ['bad', 'Agent offline'],
  online: ['ok', 'Online'],
  offline: ['', 'Offline'],
  draining: ['warn', 'Draining'],
  approved: ['ok', 'Approved'],
  pending_approval: ['warn', 'Pending approval'],
  rejected: ['bad', 'Rejected'],
};

export function chip(state, label) {
  const [cls, text] = STATES[state] || ['', state];
  return h('span', { class: ['chip', cls], 'data-state': state }, label || text);
}

export function stateLabel(state) {
  return (STATES[state] || ['', state])[1];
}

// ---- feedback: loading, empty, error, toasts --------------------------------

export function loading(text = 'Loading…') {
  return h('div', { class: 'loading', role: 'status' }, h('span', { class: 'spinner large' }), h('span', {}, text));
}

export function empty(iconName, title, text, ...actions) {
  return h('div', { class: 'empty' }, icon(iconName, 40), h('h2', {}, title),
    text ? h('p', {}, text) : null, actions.length ? h('div', { class: 'row' }, actions) : null);
}

export function alertBox(kind, title, text, ...actions) {
  const name = kind === 'bad' ? 'alert' : kind === 'ok' ? 'check' : kind === 'warn' ? 'alert' : 'info';
  return h('div', { class: ['alert', kind], role: kind === 'bad' ? 'alert' : 'status' },
    icon(name, 20),
    h('div', { class: 'alert-body' }, title ? h('strong', {}, title) : null,
      text ? h('span', {}, text) : null,
      actions.length ? h('div', { class: 'alert-actions' }, actions) : null));
}

// The error of a failed load, with a way to try again.
export function errorBox(err, retry) {
  return alertBox('bad', 'Could not load this', err && err.message ? err.message : String(err),
    retry ? h('button', { class: 'btn small', type: 'button', onclick: retry }, icon('refresh', 16), 'Try again') : null);
}

export function toast(text, kind = 'info', ms = 5000) {
  const box = document.getElementById('toasts');
  if (!box) return;
  const t = h('div', { class: ['toast', kind] },
    icon(kind === 'bad' ? 'alert' : kind === 'ok' ? 'check' : 'info', 18), h('span', {}, text));
  box.append(t);
  setTimeout(() => t.remove(), ms);
}

// ---- dialogs --------------------------------------------------------------------

// A modal <dialog> (focus stays inside, Escape closes); returns it open.
// content(close) builds the body; buttons come from the caller.
export function dialog({ title, body, foot, wide = false, onclose }) {
  const id = `dlg-${Math.random().toString(36).slice(2)}`;
  const d = h('dialog', { class: wide ? 'wide' : null, 'aria-labelledby': id },
    h('div', { class: 'dialog-head' }, h('h2', { id }, title),
      h('button', { class: 'btn ghost icon-only small', type: 'button', 'aria-label': 'Close', onclick: () => d.close() }, icon('x', 18))),
    h('div', { class: 'dialog-body' }, body),
    foot ? h('div', { class: 'dialog-foot' }, foot) : null);
  d.addEventListener('close', () => { d.remove(); if (onclose) onclose(d.returnValue); });
  document.body.append(d);
  d.showModal();
  return d;
}

// Asks; resolves true when confirmed.
export function confirm({ title, text, confirmLabel = 'Confirm', danger = false }) {
  return new Promise((resolve) => {
    let ok = false;
    const yes = h('button', { class: ['btn', danger ? 'danger solid' : 'primary'], type: 'button', onclick: () => { ok = true; d.close(); } }, confirmLabel);
    const d = dialog({
      title,
      body: typeof text === 'string' ? h('p', {}, text) : text,
      foot: [h('button', { class: 'btn', type: 'button', onclick: () => d.close() }, 'Cancel'), yes],
      onclose: () => resolve(ok),
    });
    yes.focus();
  });
}

// A form in a dialog: fields are built by the caller; submit(values)
// returns a promise; its error is shown in the dialog, success closes it.
export function formDialog({ title, fields, submitLabel = 'Save', submit, wide = false }) {
  const err = h('div', { role: 'alert' });
  const btn = h('button', { class: 'btn primary', type: 'submit' }, submitLabel);
  const form = h('form', { class: 'form-grid', novalidate: true }, err, fields,
    h('div', { class: 'form-actions' }, h('button', { class: 'btn', type: 'button', onclick: () => d.close() }, 'Cancel'), btn));
  const d = dialog({ title, body: form, wide });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clear(err);
    btn.disabled = true;
    try {
      await submit(new FormData(form), form);
      d.close();
    } catch (ex) {
      err.append(alertBox('bad', null, ex.message || String(ex)));
      btn.disabled = false;
    }
  });
  const first = form.querySelector('input, select, textarea');
  if (first) first.focus();
  return d;
}

let fieldSeq = 0;

// A labelled control: field('Name', input) or field('Name', 'text', {name}).
export function field(label, control, hint) {
  const id = control.id || `f${++fieldSeq}`;
  control.id = id;
  const hintId = hint ? `${id}-hint` : null;
  if (hintId) control.setAttribute('aria-describedby', hintId);
  return h('div', { class: 'field' }, h('label', { for: id }, label), control,
    hint ? h('span', { class: 'hint', id: hintId }, hint) : null);
}

export function input(attrs) {
  return h('input', { type: 'text', ...attrs });
}

export function select(attrs, options, current) {
  return h('select', attrs, options.map(([value, label]) =>
    h('option', { value, selected: String(value) === String(current ?? '') }, label)));
}

// First letter(s) of a name, for avatars and missing icons.
export function initials(name) {
  const parts = String(name || '?').trim().split(/[\s._-]+/).filter(Boolean);
  return ((parts[0] || '?')[0] + (parts[1] ? parts[1][0] : '')).toUpperCase();
}

// A template's icon, or its initials when it has none or it fails.
export function appIcon(url, name) {
  const box = h('span', { class: 'app-icon', 'aria-hidden': 'true' }, initials(name));
  if (url && /^(https:\/\/|\/)/.test(url)) {
    const img = h('img', { alt: '', referrerpolicy: 'no-referrer' });
    img.addEventListener('load', () => { clear(box); box.append(img); });
    img.src = url;
  }
  return box;
}

export function copyButton(text, label = 'Copy') {
  return h('button', {
    class: 'btn small', type: 'button',
    onclick: async () => {
      try { await navigator.clipboard.writeText(text); toast('Copied to the clipboard', 'ok', 2500); } catch (e) { toast('Copying is not allowed here: select the text and copy it', 'bad'); }
    },
  }, icon('copy', 16), label);
}

export function plural(n, one, many) {
  return `${n} ${n === 1 ? one : (many || `${one}s`)}`;
}

// ---- tables, figures ------------------------------------------------------------

// table('Agents', [{ label, cell: (row) => node|string, cls }], rows)
export function table(caption, columns, rows, { rowAttrs } = {}) {
  // Focusable: on a narrow screen it scrolls sideways, by keyboard too.
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption },
    h('table', {},
      h('caption', { class: 'visually-hidden' }, caption),
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.cls }, c.label)))),
      h('tbody', {}, rows.map((r) => h('tr', rowAttrs ? rowAttrs(r) : {},
        columns.map((c) => h('td', { class: c.cls }, c.cell(r))))))));
}

export function stat(label, value, note) {
  return h('div', { class: 'card stat' }, h('div', { class: 'stat-label' }, label),
    h('div', { class: 'stat-value' }, String(value)), note ? h('div', { class: 'stat-note' }, note) : null);
}

// bars([[label, count, kind]]): a labelled bar per entry, scaled to the largest.
export function bars(entries, emptyText = 'Nothing to show') {
  const max = Math.max(1, ...entries.map((e) => e[1]));
  if (!entries.length) return h('p', { class: 'muted' }, emptyText);
  return h('div', { class: 'bar-chart' }, entries.map(([label, n, kind]) => {
    const fill = h('span', { class: kind || '' });
    fill.style.width = `${Math.round((n / max) * 100)}%`;
    return h('div', { class: 'bar-row' }, h('span', {}, label),
      h('span', { class: 'bar', role: 'img', 'aria-label': `${label}: ${n}` }, fill),
      h('span', { class: 'num' }, String(n)));
  }));
}

// A kind (chip colour) for a state, for bars.
export function stateKind(state) {
  const [cls] = STATES[state] || [''];
  return cls.split(' ')[0] || 'idle';
}

// Runs fn at most once per ms, the last call winning.
export function debounce(fn, ms) {
  let t = null;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}

// A page's load: fetch, then show, unless the page was left meanwhile; a
// failure goes into box, with a way to try again.  Returns the loader.
export function loader(ctx, box, fetch, show) {
  const load = async () => {
    let data;
    try {
      data = await fetch();
    } catch (e) {
      if (ctx.isCurrent()) clear(box).append(errorBox(e, load));
      return;
    }
    if (ctx.isCurrent()) show(data);
  };
  return load;
}
