// admin-groups.js - groups (teams, departments, projects) and their
// members: create, edit, delete; add a user with a role, remove one.

import { get, post, patch, del, enc } from '../api.js';
import {
  loader, h, append, clear, icon, timeEl, loading, empty, errorBox, confirm, dialog,
  formDialog, toast, field, input, select, table, plural,
} from '../ui.js';
import { adminNav } from '../app.js';

const TYPES = [['team', 'Team'], ['department', 'Department'], ['project', 'Project'], ['system', 'System']];
const MEMBER_ROLES = [['member', 'Member'], ['admin', 'Group admin'], ['owner', 'Owner']];

export default async function render(ctx) {
  ctx.setTitle('Groups');
  let groups = [];
  const body = h('div', { class: 'card' }, loading('Loading groups…'));
  const count = h('p', { class: 'sub', role: 'status' });
  ctx.main.append(adminNav('/admin/groups'),
    h('div', { class: 'page-head' }, h('h1', {}, 'Groups'),
      h('button', { class: 'btn primary', type: 'button', onclick: () => edit(null) }, icon('plus', 18), 'New group'), count),
    body);

  function draw() {
    count.textContent = groups.length ? plural(groups.length, 'group') : '';
    clear(body);
    if (!groups.length) {
      body.append(empty('users', 'No groups yet', 'Groups gather users into teams, departments or projects.',
        h('button', { class: 'btn primary', type: 'button', onclick: () => edit(null) }, icon('plus', 18), 'New group')));
      return;
    }
    body.append(table('Groups', [
      { label: 'Group', cell: (g) => [h('div', { class: 'cell-main' }, g.displayName || g.name), h('div', { class: 'cell-sub mono' }, g.name)] },
      { label: 'Type', cell: (g) => TYPES.find((t) => t[0] === g.type)?.[1] || g.type },
      { label: 'Description', cell: (g) => g.description || h('span', { class: 'muted' }, '—') },
      { label: 'Members', cls: 'num', cell: (g) => String(g.memberCount) },
      { label: 'Created', cell: (g) => timeEl(g.createdAt) },
      {
        label: 'Actions', cls: 'actions', cell: (g) => [
          h('button', { class: 'btn small', type: 'button', onclick: () => members(g) }, 'Members'),
          h('button', { class: 'btn small', type: 'button', onclick: () => edit(g) }, 'Edit'),
          h('button', { class: 'btn small danger', type: 'button', 'aria-label': `Delete group ${g.name}`, title: 'Delete', onclick: () => remove(g) }, icon('trash', 16)),
        ],
      },
    ], groups, { rowAttrs: (g) => ({ 'data-group': g.name }) }));
  }

  function edit(g) {
    formDialog({
      title: g ? `Edit ${g.displayName || g.name}` : 'New group',
      submitLabel: g ? 'Save' : 'Create group',
      fields: [
        field('Name', input({ name: 'name', value: g ? g.name : '', required: true, maxlength: 100, autocomplete: 'off' }), 'A short unique name.'),
        field('Display name', input({ name: 'displayName', value: g ? g.displayName : '', maxlength: 200 })),
        field('Type', select({ name: 'type' }, TYPES, g ? g.type : 'team')),
        field('Description', h('textarea', { name: 'description', rows: 3, maxlength: 1000 }, g ? g.description : '')),
      ],
      submit: async (fd) => {
        const body = {
          name: String(fd.get('name')).trim(), displayName: String(fd.get('displayName')).trim(),
          type: String(fd.get('type')), description: String(fd.get('description')),
        };
        if (!body.name) throw new Error('Enter a name.');
        if (g) await patch(`/api/v1/groups/${enc(g.id)}`, body);
        else await post('/api/v1/groups', body);
        toast(`Group ${body.name} saved`, 'ok');
        load();
      },
    });
  }

  async function remove(g) {
    if (!await confirm({ title: `Delete ${g.displayName || g.name}?`, text: `The group and its ${plural(g.memberCount, 'membership')} are deleted; the users stay.`, confirmLabel: 'Delete group', danger: true })) return;
    try {
      await del(`/api/v1/groups/${enc(g.id)}`);
      toast('Group deleted', 'ok');
      load();
    } catch (e) { toast(e.message, 'bad'); }
  }

  function members(g) {
    const box = h('div', {}, loading());
    const userSel = select({ name: 'user', id: 'member-user' }, [['', 'Loading users…']], '');
    const roleSel = select({ name: 'role', id: 'member-role' }, MEMBER_ROLES, 'member');
    const addErr = h('div', { role: 'alert' });
    const add = h('form', { class: 'toolbar', novalidate: true },
      h('div', { class: 'field grow' }, h('label', { for: 'member-user' }, 'User'), userSel),
      h('div', { class: 'field' }, h('label', { for: 'member-role' }, 'Role'), roleSel),
      h('button', { class: 'btn primary', type: 'submit' }, icon('plus', 16), 'Add'));
    dialog({ title: `Members of ${g.displayName || g.name}`, body: h('div', { class: 'stack' }, add, addErr, box), wide: true, onclose: load });

    async function refresh() {
      try {
        const [m, u] = await Promise.all([get(`/api/v1/groups/${enc(g.id)}/members`), get('/api/v1/users')]);
        const inGroup = new Set(m.members.map((x) => x.id));
        const others = u.users.filter((x) => !inGroup.has(x.id));
        append(clear(userSel), [h('option', { value: '' }, others.length ? 'Choose a user…' : 'Everyone is a member'),
          others.map((x) => h('option', { value: x.id }, x.fullName ? `${x.username} (${x.fullName})` : x.username))]);
        clear(box).append(m.members.length ? table('Members', [
          { label: 'User', cell: (x) => [h('div', { class: 'cell-main' }, x.username), x.fullName ? h('div', { class: 'cell-sub' }, x.fullName) : null] },
          { label: 'Role in the group', cell: (x) => MEMBER_ROLES.find((r) => r[0] === x.groupRole)?.[1] || x.groupRole },
          {
            label: 'Actions', cls: 'actions', cell: (x) => h('button', {
              class: 'btn small danger', type: 'button', 'aria-label': `Remove ${x.username} from the group`,
              onclick: async () => {
                try { await del(`/api/v1/groups/${enc(g.id)}/members/${enc(x.id)}`); refresh(); } catch (e) { toast(e.message, 'bad'); }
              },
            }, 'Remove'),
          },
        ], m.members) : empty('users', 'No members yet', 'Add users with the form above.'));
      } catch (e) {
        clear(box).append(errorBox(e, refresh));
      }
    }
    add.addEventListener('submit', async (e) => {
      e.preventDefault();
      clear(addErr);
      if (!userSel.value) { userSel.focus(); return; }
      try {
        await post(`/api/v1/groups/${enc(g.id)}/members`, { userId: userSel.value, role: roleSel.value });
        refresh();
      } catch (ex) { addErr.append(h('p', { class: 'error-text' }, ex.message)); }
    });
    refresh();
  }

  const load = loader(ctx, body, () => get('/api/v1/groups'), (res) => {
    groups = res.groups;
    draw();
  });
  await load();
}
