// app.js - the web UI's frame: who is signed in, the header and its
// navigation, and the router that loads one module per page (pages/*.js)
// for the path in the address bar, so that every page has its own URL and
// reloads into itself.  Pages export render(ctx) and register their
// clean-ups (event subscriptions, viewers) on ctx.

import { get, post, setUnauthorizedHandler, eventsStart, eventsStop, onEventsState } from './api.js';
import { h, clear, icon, initials, errorBox, loading, toast } from './ui.js';

// path pattern, page module, options: public (no sign-in), frame: 'none'
// (no header), 'full' (header, no page margins), role (least role).
const ROUTES = [
  ['/login', 'login', { public: true, frame: 'none' }],
  ['/', null, { redirect: '/sessions' }],
  ['/sessions', 'sessions'],
  ['/sessions/:id', 'session', { frame: 'full' }],
  ['/vnc-viewer/:id', 'session', { frame: 'none' }],
  ['/catalog', 'catalog'],
  ['/settings', 'settings'],
  ['/admin', 'admin-dashboard', { role: 'admin' }],
  ['/admin/agents', 'admin-agents', { role: 'admin' }],
  ['/admin/users', 'admin-users', { role: 'admin' }],
  ['/admin/groups', 'admin-groups', { role: 'admin' }],
  ['/admin/templates', 'admin-templates', { role: 'operator' }],
  ['/admin/audit', 'admin-audit', { role: 'admin' }],
];

// The administration pages' own navigation, with the least role of each.
export const ADMIN_PAGES = [
  ['/admin', 'Dashboard', 'admin'],
  ['/admin/agents', 'Agents', 'admin'],
  ['/admin/users', 'Users', 'admin'],
  ['/admin/groups', 'Groups', 'admin'],
  ['/admin/templates', 'Templates', 'operator'],
  ['/admin/audit', 'Audit log', 'admin'],
];

const RANK = { user: 1, operator: 2, admin: 3 };

export function hasRole(user, role) {
  return Boolean(user) && (RANK[user.role] || 0) >= (RANK[role] || 0);
}

const app = {
  user: null,
  cleanups: [],
  seq: 0,
  root: null,
};

function match(path) {
  for (const [pattern, page, opts] of ROUTES) {
    const ps = pattern.split('/');
    const xs = path.split('/');
    if (ps.length !== xs.length) continue;
    const params = {};
    let ok = true;
    for (let i = 0; i < ps.length && ok; i++) {
      if (ps[i].startsWith(':')) {
        if (!xs[i]) ok = false;
        else {
          try { params[ps[i].slice(1)] = decodeURIComponent(xs[i]); } catch (e) { ok = false; }
        }
      } else if (ps[i] !== xs[i]) ok = false;
    }
    if (ok) return { page, opts: opts || {}, params };
  }
  return null;
}

// A path inside the app that a "next" parameter may send us back to.
function safeNext(next) {
  return typeof next === 'string' && /^\/(?![/\\])/.test(next) && !next.startsWith('/login') ? next : '/sessions';
}

export function navigate(to, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  route(true);
}

function runCleanups() {
  const fns = app.cleanups;
  app.cleanups = [];
  for (const fn of fns) {
    try { fn(); } catch (e) { console.error(e); }
  }
}

async function signOut() {
  try {
    await post('/api/v1/auth/logout', {}, { quiet401: true });
  } catch (e) {
    if (e.status !== 401) { toast(e.message, 'bad'); return; }
  }
  eventsStop();
  app.user = null;
  navigate('/login', { replace: true });
}

function navLink(href, label, iconName, current) {
  return h('a', { href, 'aria-current': current ? 'page' : null }, icon(iconName, 18), label);
}

function header(path) {
  const user = app.user;
  const menu = h('div', { class: 'menu', hidden: true, id: 'user-menu' },
    h('div', { class: 'menu-head' }, h('strong', {}, user.fullName || user.username),
      h('small', {}, `${user.username} · ${user.role}`)),
    h('a', { href: '/settings' }, icon('settings', 18), 'Settings'),
    h('button', { type: 'button', onclick: signOut }, icon('logout', 18), 'Sign out'));
  const menuBtn = h('button', {
    class: 'btn ghost', type: 'button', 'aria-haspopup': 'true', 'aria-expanded': 'false',
    'aria-controls': 'user-menu',
  }, h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(user.fullName || user.username)),
  h('span', { class: 'user-name' }, user.username), h('span', { class: 'visually-hidden' }, 'account menu'));
  const setMenu = (open) => {
    menu.hidden = !open;
    menuBtn.setAttribute('aria-expanded', String(open));
  };
  menuBtn.addEventListener('click', (e) => { e.stopPropagation(); setMenu(menu.hidden); });
  menu.addEventListener('keydown', (e) => { if (e.key === 'Escape') { setMenu(false); menuBtn.focus(); } });
  const outside = (e) => { if (!menu.contains(e.target)) setMenu(false); };
  document.addEventListener('click', outside);
  app.cleanups.push(() => document.removeEventListener('click', outside));

  const inAdmin = path === '/admin' || path.startsWith('/admin/');
  const adminHref = hasRole(user, 'admin') ? '/admin' : '/admin/templates';
  const nav = h('nav', { class: 'nav', id: 'main-nav', 'aria-label': 'Main' },
    navLink('/sessions', 'My sessions', 'desktop', path === '/sessions' || path.startsWith('/sessions/')),
    navLink('/catalog', 'Catalog', 'grid', path === '/catalog'),
    hasRole(user, 'operator') ? navLink(adminHref, 'Administration', 'shield', inAdmin) : null);
  const toggle = h('button', {
    class: 'btn ghost icon-only nav-toggle', type: 'button', 'aria-label': 'Menu',
    'aria-expanded': 'false', 'aria-controls': 'main-nav',
    onclick: () => {
      const open = !nav.classList.contains('open');
      nav.classList.toggle('open', open);
      toggle.setAttribute('aria-expanded', String(open));
    },
  }, icon('menu', 20));
  const liveText = h('span', { class: 'live-text' });
  const live = h('span', { class: 'chip live', title: 'Live updates', role: 'status' }, liveText);
  app.cleanups.push(onEventsState((s) => {
    live.className = `chip live ${s === 'open' ? 'ok' : 'warn busy'}`;
    liveText.textContent = s === 'open' ? 'Live' : 'Reconnecting';
    live.title = s === 'open' ? 'Live updates: on' : 'Live updates: reconnecting';
    live.hidden = s === 'closed';
  }));
  return h('header', { class: 'app-header' }, toggle,
    h('a', { class: 'brand', href: '/sessions' }, h('img', { src: '/ui/img/logo.svg', alt: '' }), 'StreamSpace'),
    nav, h('div', { class: 'row right' }, live, h('div', { class: 'user-menu' }, menuBtn, menu)));
}

// The administration pages' tabs (for pages/admin-*.js).
export function adminNav(path) {
  return h('nav', { class: 'subnav', 'aria-label': 'Administration' },
    ADMIN_PAGES.filter(([, , role]) => hasRole(app.user, role)).map(([href, label]) =>
      h('a', { href, 'aria-current': href === path ? 'page' : null }, label)));
}

async function whoami() {
  try {
    app.user = await get('/api/v1/users/me', { quiet401: true });
  } catch (e) {
    app.user = null;
    if (e.status !== 401) throw e;
  }
  return app.user;
}

async function route(navigated = false) {
  const seq = ++app.seq;
  const path = location.pathname;
  const query = new URLSearchParams(location.search);
  runCleanups();
  const m = match(path);
  if (m && m.opts.redirect) {
    navigate(m.opts.redirect, { replace: true });
    return;
  }
  if (!app.user && !(m && m.opts.public)) {
    try {
      await whoami();
    } catch (e) {
      clear(app.root).append(h('main', { id: 'main', class: 'panel' }, errorBox(e, () => route())));
      return;
    }
    if (seq !== app.seq) return;
    if (!app.user) {
      navigate(`/login?next=${encodeURIComponent(path + location.search)}`, { replace: true });
      return;
    }
  }
  if (app.user) eventsStart();

  const frame = m ? m.opts.frame || 'page' : 'page';
  const main = h('main', { id: 'main', tabindex: '-1', class: frame === 'page' ? null : 'flush' });
  clear(app.root);
  if (frame !== 'none' && app.user) app.root.append(header(path));
  app.root.append(main);
  if (frame !== 'page') main.classList.add('flush');

  if (!m) {
    setTitle('Not found');
    main.append(h('div', { class: 'empty' }, icon('alert', 40), h('h1', { tabindex: '-1' }, 'Page not found'),
      h('p', {}, 'There is nothing at this address.'), h('a', { class: 'btn primary', href: '/sessions' }, 'Go to my sessions')));
    return;
  }
  if (m.opts.role && !hasRole(app.user, m.opts.role)) {
    setTitle('Not allowed');
    main.append(h('div', { class: 'empty' }, icon('shield', 40), h('h1', { tabindex: '-1' }, 'Not allowed'),
      h('p', {}, 'Your account may not open this page.'), h('a', { class: 'btn primary', href: '/sessions' }, 'Go to my sessions')));
    return;
  }
  main.append(loading());
  let mod;
  try {
    mod = await import(`./pages/${m.page}.js`);
  } catch (e) {
    if (seq !== app.seq) return;
    clear(main).append(errorBox(new Error('This page could not be loaded. Reload to try again.'), () => location.reload()));
    return;
  }
  if (seq !== app.seq) return;
  const ctx = {
    main,
    params: m.params,
    query,
    path,
    user: app.user,
    bare: frame === 'none',
    navigate,
    setTitle,
    next: safeNext(query.get('next')),
    signedIn: (user) => { app.user = user; },
    cleanup: (fn) => app.cleanups.push(fn),
    isCurrent: () => seq === app.seq,
  };
  clear(main);
  try {
    await mod.default(ctx);
  } catch (e) {
    if (seq !== app.seq) return;
    console.error(e);
    clear(main).append(errorBox(e, () => route()));
  }
  if (navigated && seq === app.seq) {
    const target = main.querySelector('h1') || main;
    if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
    target.focus({ preventScroll: true });
  }
}

export function setTitle(t) {
  document.title = t ? `${t} · StreamSpace` : 'StreamSpace';
}

function onClick(e) {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = e.target.closest('a[href]');
  if (!a || a.target || a.hasAttribute('download')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || /^\/(api|ui|novnc)\//.test(url.pathname)) return;
  e.preventDefault();
  if (url.pathname + url.search !== location.pathname + location.search) navigate(url.pathname + url.search);
  else route(true);
}

function start() {
  app.root = document.getElementById('app');
  document.addEventListener('click', onClick);
  window.addEventListener('popstate', () => route(true));
  setUnauthorizedHandler(() => {
    if (!app.user) return;
    app.user = null;
    eventsStop();
    toast('Your sign-in has ended. Sign in again to go on.', 'info');
    navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`, { replace: true });
  });
  route();
}

start();
