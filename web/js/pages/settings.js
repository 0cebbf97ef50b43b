// settings.js - the signed-in user's own settings: their profile, their
// password (the current one is asked for), their session quota, and API
// keys for scripts (a new key is shown once, then only its prefix).

import { get, post, patch, del, enc } from '../api.js';
import {
  h, clear, icon, field, input, alertBox, loading, errorBox, confirm,
  dialog, formDialog, toast, timeEl, table, copyButton, chip, empty,
} from '../ui.js';

export default async function render(ctx) {
  ctx.setTitle('Settings');
  const me = ctx.user;
  const quotaBox = h('div', {}, loading('Loading…'));
  const keysBox = h('div', {}, loading('Loading your API keys…'));

  // ---- profile -------------------------------------------------------------
  const full = input({ name: 'fullName', value: me.fullName || '', autocomplete: 'name' });
  const email = input({ name: 'email', type: 'email', value: me.email || '', autocomplete: 'email' });
  const profileMsg = h('div', { role: 'status' });
  const profile = h('form', { class: 'form-grid', novalidate: true },
    profileMsg,
    h('div', { class: 'grid two' }, field('Full name', full), field('Email', email)),
    h('div', { class: 'form-actions' }, h('button', { class: 'btn primary', type: 'submit' }, 'Save profile')));
  profile.addEventListener('submit', async (e) => {
    e.preventDefault();
    clear(profileMsg);
    try {
      const u = await patch('/api/v1/users/me', { fullName: full.value.trim(), email: email.value.trim() });
      Object.assign(me, u);
      profileMsg.append(alertBox('ok', null, 'Your profile is saved.'));
    } catch (ex) {
      profileMsg.append(alertBox('bad', 'Not saved', ex.message));
    }
  });

  // ---- password ------------------------------------------------------------
  const cur = input({ name: 'currentPassword', type: 'password', autocomplete: 'current-password' });
  const pw1 = input({ name: 'password', type: 'password', autocomplete: 'new-password', minlength: 8 });
  const pw2 = input({ name: 'confirm', type: 'password', autocomplete: 'new-password' });
  const pwMsg = h('div', { role: 'status' });
  const pwForm = h('form', { class: 'form-grid', novalidate: true },
    pwMsg,
    field('Current password', cur),
    h('div', { class: 'grid two' }, field('New password', pw1, 'At least 8 characters.'), field('New password again', pw2)),
    h('div', { class: 'form-actions' }, h('button', { class: 'btn primary', type: 'submit' }, 'Change password')));
  pwForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    clear(pwMsg);
    const bad = (text, el) => { pwMsg.append(alertBox('bad', null, text)); el.setAttribute('aria-invalid', 'true'); el.focus(); };
    for (const el of [cur, pw1, pw2]) el.removeAttribute('aria-invalid');
    if (!cur.value) return bad('Enter your current password.', cur);
    if (pw1.value.length < 8) return bad('The new password needs at least 8 characters.', pw1);
    if (pw1.value !== pw2.value) return bad('The two new passwords differ.', pw2);
    try {
      await patch('/api/v1/users/me', { currentPassword: cur.value, password: pw1.value });
      cur.value = pw1.value = pw2.value = '';
      pwMsg.append(alertBox('ok', null, 'Your password is changed.'));
    } catch (ex) {
      pwMsg.append(alertBox('bad', 'Not changed', ex.message));
    }
    return undefined;
  });

  ctx.main.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'Settings'),
      h('p', { class: 'sub' }, `Signed in as ${me.username} (${me.role}).`)),
    h('div', { class: 'grid two' },
      h('section', { class: 'card panel', 'aria-labelledby': 'h-profile' }, h('h2', { id: 'h-profile' }, 'Profile'), profile),
      h('section', { class: 'card panel', 'aria-labelledby': 'h-password' }, h('h2', { id: 'h-password' }, 'Password'), pwForm)),
    h('section', { class: 'card panel', 'aria-labelledby': 'h-quota' }, h('h2', { id: 'h-quota' }, 'Quota'), quotaBox),
    h('section', { class: 'card panel', 'aria-labelledby': 'h-keys' },
      h('div', { class: 'row' }, h('h2', { id: 'h-keys' }, 'API keys'),
        h('button', { class: 'btn primary small right', type: 'button', onclick: createKey }, icon('plus', 16), 'New API key')),
      h('p', { class: 'muted' }, 'Scripts use an API key instead of your password: send it as the X-API-Key header. A key acts with your role.'),
      keysBox));

  async function loadQuota() {
    try {
      const qt = await get('/api/v1/users/me/quota');
      clear(quotaBox).append(h('p', {}, `You have ${qt.usedSessions} of at most ${qt.maxSessions} sessions (stopped and failed ones do not count).`));
    } catch (e) {
      clear(quotaBox).append(errorBox(e, loadQuota));
    }
  }

  async function loadKeys() {
    try {
      const res = await get('/api/v1/api-keys');
      clear(keysBox);
      if (!res.apiKeys.length) {
        keysBox.append(empty('key', 'No API keys', 'Create one for a script or a tool.'));
        return;
      }
      keysBox.append(table('Your API keys', [
        { label: 'Name', cell: (k) => [h('div', { class: 'cell-main' }, k.name), k.description ? h('div', { class: 'cell-sub' }, k.description) : null] },
        { label: 'Key', cell: (k) => h('code', {}, `${k.keyPrefix}…`) },
        { label: 'Scopes', cell: (k) => (k.scopes || []).join(', ') },
        { label: 'State', cell: (k) => (k.active ? chip('online', 'Active') : chip('offline', 'Revoked')) },
        { label: 'Created', cell: (k) => timeEl(k.createdAt) },
        { label: 'Last used', cell: (k) => (k.lastUsedAt ? timeEl(k.lastUsedAt) : 'never') },
        { label: 'Expires', cell: (k) => (k.expiresAt ? timeEl(k.expiresAt) : 'never') },
        { label: 'Actions', cls: 'actions', cell: (k) => keyActions(k) },
      ], res.apiKeys));
    } catch (e) {
      clear(keysBox).append(errorBox(e, loadKeys));
    }
  }

  function keyActions(k) {
    const out = [];
    if (k.active) {
      out.push(h('button', {
        class: 'btn small', type: 'button', 'aria-label': `Revoke key ${k.name}`,
        onclick: async () => {
          if (!await confirm({ title: 'Revoke this key?', text: `Scripts using “${k.name}” stop working at once.`, confirmLabel: 'Revoke', danger: true })) return;
          try { await post(`/api/v1/api-keys/${enc(k.id)}/revoke`); toast('Key revoked', 'ok'); loadKeys(); } catch (e) { toast(e.message, 'bad'); }
        },
      }, 'Revoke'));
    }
    out.push(h('button', {
      class: 'btn small danger', type: 'button', 'aria-label': `Delete key ${k.name}`,
      onclick: async () => {
        if (!await confirm({ title: 'Delete this key?', text: `“${k.name}” is removed for good.`, confirmLabel: 'Delete', danger: true })) return;
        try { await del(`/api/v1/api-keys/${enc(k.id)}`); toast('Key deleted', 'ok'); loadKeys(); } catch (e) { toast(e.message, 'bad'); }
      },
    }, icon('trash', 16)));
    return out;
  }

  function createKey() {
    const read = h('input', { type: 'checkbox', name: 'read', checked: true });
    const write = h('input', { type: 'checkbox', name: 'write', checked: true });
    formDialog({
      title: 'New API key',
      submitLabel: 'Create key',
      fields: [
        field('Name', input({ name: 'name', required: true, maxlength: 100, placeholder: 'backup script' })),
        field('Description', input({ name: 'description', maxlength: 500 })),
        h('fieldset', { class: 'field' }, h('legend', { class: 'label' }, 'May'),
          h('div', { class: 'row' }, h('label', { class: 'check' }, read, 'read (GET)'), h('label', { class: 'check' }, write, 'change things'))),
        field('Expires', input({ name: 'expiresAt', type: 'datetime-local' }), 'Leave empty for a key that does not expire.'),
      ],
      submit: async (fd) => {
        const name = String(fd.get('name') || '').trim();
        if (!name) throw new Error('Give the key a name.');
        const scopes = [read.checked ? 'read' : null, write.checked ? 'write' : null].filter(Boolean);
        if (!scopes.length) throw new Error('A key must at least read or change things.');
        const body = { name, scopes };
        if (fd.get('description')) body.description = String(fd.get('description'));
        if (fd.get('expiresAt')) body.expiresAt = new Date(String(fd.get('expiresAt'))).toISOString();
        const k = await post('/api/v1/api-keys', body);
        loadKeys();
        showKey(k);
      },
    });
  }

  function showKey(k) {
    dialog({
      title: 'Your new API key',
      body: h('div', { class: 'stack' },
        alertBox('warn', 'Copy it now', 'This is the only time the key is shown. Keep it like a password.'),
        h('div', { class: 'secret' }, h('code', { id: 'new-key' }, k.key), copyButton(k.key))),
      foot: [h('button', { class: 'btn primary', type: 'button', onclick: (e) => e.target.closest('dialog').close() }, 'Done')],
    });
  }

  await Promise.all([loadQuota(), loadKeys()]);
}
