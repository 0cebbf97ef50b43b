// admin-users.js - user accounts: list with search, create, edit (name,
// email, role, enabled, session quota, a new password), disable or
// enable, delete.  Administrators only.

import { get, post, patch, put, del, enc } from '../api.js';
import {
  loader, h, clear, icon, chip, timeEl, loading, empty, confirm,
  formDialog, toast, field, input, select, table, plural,
} from '../ui.js';
import { adminNav } from '../app.js';

const ROLES = [['user', 'User'], ['operator', 'Operator'], ['admin', 'Administrator']];

export default async function render(ctx) {
  ctx.setTitle('Users');
  let users = [];
  let term = ctx.query.get('q') || '';
  const body = h('div', { class: 'card' }, loading('Loading users…'));
  const count = h('p', { class: 'sub', role: 'status' });
  const search = input({ type: 'search', id: 'user-search', value: term, placeholder: 'Name or email', autocomplete: 'off' });
  search.addEventListener('input', () => {
    term = search.value;
    history.replaceState(null, '', term ? `/admin/users?q=${encodeURIComponent(term)}` : '/admin/users');
    draw();
  });
  ctx.main.append(adminNav('/admin/users'),
    h('div', { class: 'page-head' }, h('h1', {}, 'Users'),
      h('button', { class: 'btn primary', type: 'button', onclick: create }, icon('plus', 18), 'New user'), count),
    h('div', { class: 'toolbar', role: 'search' }, h('div', { class: 'field grow' }, h('label', { for: 'user-search' }, 'Search'), search)),
    body);

  function matches(u) {
    return !term || `${u.username} ${u.fullName} ${u.email}`.toLowerCase().includes(term.toLowerCase());
  }

  function actions(u) {
    const self = u.id === ctx.user.id;
    return [
      h('button', { class: 'btn small', type: 'button', onclick: () => edit(u) }, 'Edit'),
      self ? null : h('button', {
        class: 'btn small', type: 'button',
        onclick: () => setActive(u, !u.active),
      }, u.active ? 'Disable' : 'Enable'),
      self ? null : h('button', { class: 'btn small danger', type: 'button', 'aria-label': `Delete user ${u.username}`, title: 'Delete', onclick: () => remove(u) }, icon('trash', 16)),
    ];
  }

  function draw() {
    const shown = users.filter(matches);
    count.textContent = users.length ? `${plural(shown.length, 'user')}${shown.length !== users.length ? ` of ${users.length}` : ''}` : '';
    clear(body);
    if (!shown.length) {
      body.append(empty('users', users.length ? 'No user matches' : 'No users', null));
      return;
    }
    body.append(table('Users', [
      { label: 'User', cell: (u) => [h('div', { class: 'cell-main' }, u.username), u.fullName ? h('div', { class: 'cell-sub' }, u.fullName) : null] },
      { label: 'Email', cell: (u) => u.email || h('span', { class: 'muted' }, '—') },
      { label: 'Role', cell: (u) => h('span', { class: ['chip plain', u.role === 'admin' ? 'info' : u.role === 'operator' ? 'warn' : ''] }, ROLES.find((r) => r[0] === u.role)?.[1] || u.role) },
      { label: 'State', cell: (u) => (u.active ? chip('online', 'Active') : chip('offline', 'Disabled')) },
      { label: 'Last sign-in', cell: (u) => (u.lastLogin ? timeEl(u.lastLogin) : h('span', { class: 'muted' }, 'never')) },
      { label: 'Created', cell: (u) => timeEl(u.createdAt) },
      { label: 'Actions', cls: 'actions', cell: actions },
    ], shown, { rowAttrs: (u) => ({ 'data-user': u.username }) }));
  }

  function create() {
    formDialog({
      title: 'New user',
      submitLabel: 'Create user',
      fields: [
        field('User name', input({ name: 'username', required: true, maxlength: 64, autocomplete: 'off', autocapitalize: 'none' }), 'Letters, digits and . _ - @'),
        field('Full name', input({ name: 'fullName', maxlength: 200 })),
        field('Email', input({ name: 'email', type: 'email', maxlength: 254 })),
        field('Password', input({ name: 'password', type: 'password', required: true, autocomplete: 'new-password' }), 'At least 8 characters; they can change it in their settings.'),
        field('Role', select({ name: 'role' }, ROLES, 'user')),
      ],
      submit: async (fd) => {
        const body = { username: String(fd.get('username')).trim(), password: String(fd.get('password')), role: String(fd.get('role')) };
        if (fd.get('fullName')) body.fullName = String(fd.get('fullName')).trim();
        if (fd.get('email')) body.email = String(fd.get('email')).trim();
        if (!body.username) throw new Error('Enter a user name.');
        if (body.password.length < 8) throw new Error('The password needs at least 8 characters.');
        const u = await post('/api/v1/users', body);
        toast(`User ${u.username} created`, 'ok');
        load();
      },
    });
  }

  async function edit(u) {
    let quota = null;
    try { quota = await get(`/api/v1/users/${enc(u.id)}/quota`); } catch (e) { /* shown as unknown */ }
    const self = u.id === ctx.user.id;
    formDialog({
      title: `Edit ${u.username}`,
      fields: [
        field('Full name', input({ name: 'fullName', value: u.fullName || '', maxlength: 200 })),
        field('Email', input({ name: 'email', type: 'email', value: u.email || '', maxlength: 254 })),
        self ? null : field('Role', select({ name: 'role' }, ROLES, u.role)),
        self ? null : h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'active', checked: u.active }), 'Account enabled'),
        field('Session quota', input({ name: 'maxSessions', type: 'number', min: 0, max: 10000, value: quota ? quota.maxSessions : '' }),
          quota ? `Sessions not stopped or failed at once; ${quota.usedSessions} now.` : 'Could not be read.'),
        field('New password', input({ name: 'password', type: 'password', autocomplete: 'new-password' }), 'Leave empty to keep the current one.'),
      ],
      submit: async (fd, form) => {
        const body = { fullName: String(fd.get('fullName')).trim(), email: String(fd.get('email')).trim() };
        if (!self) {
          body.role = String(fd.get('role'));
          body.active = form.elements.active.checked;
        }
        const pw = String(fd.get('password') || '');
        if (pw) {
          if (pw.length < 8) throw new Error('The password needs at least 8 characters.');
          body.password = pw;
        }
        await patch(`/api/v1/users/${enc(u.id)}`, body);
        const max = String(fd.get('maxSessions'));
        if (max !== '' && (!quota || Number(max) !== quota.maxSessions)) {
          await put(`/api/v1/users/${enc(u.id)}/quota`, { maxSessions: Number(max) });
        }
        toast(`${u.username} saved`, 'ok');
        load();
      },
    });
  }

  async function setActive(u, active) {
    if (!active && !await confirm({ title: `Disable ${u.username}?`, text: 'They are signed out everywhere and cannot sign in until enabled again. Their sessions stay.', confirmLabel: 'Disable', danger: true })) return;
    try {
      await patch(`/api/v1/users/${enc(u.id)}`, { active });
      toast(`${u.username} ${active ? 'enabled' : 'disabled'}`, 'ok');
      load();
    } catch (e) { toast(e.message, 'bad'); }
  }

  async function remove(u) {
    if (!await confirm({ title: `Delete ${u.username}?`, text: 'The account is deleted for good, with its sessions and API keys.', confirmLabel: 'Delete user', danger: true })) return;
    try {
      await del(`/api/v1/users/${enc(u.id)}`);
      toast(`${u.username} deleted`, 'ok');
      load();
    } catch (e) { toast(e.message, 'bad'); }
  }

  const load = loader(ctx, body, () => get('/api/v1/users'), (res) => {
    users = res.users;
    draw();
  });
  await load();
}
