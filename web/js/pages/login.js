// login.js - sign in: user name and password against
// POST /api/v1/auth/session, which sets the HttpOnly cookie; then back to
// the page that was asked for.  Shows the API's refusals as sentences
// (wrong password, locked by the rate limit with the wait, disabled).

import { post, get } from '../api.js';
import { h, clear, alertBox, field, input } from '../ui.js';

export default async function render(ctx) {
  ctx.setTitle('Sign in');
  // Already signed in (a reload of /login, say): go on.
  try {
    const me = await get('/api/v1/users/me', { quiet401: true });
    ctx.signedIn(me);
    ctx.navigate(ctx.next, { replace: true });
    return;
  } catch (e) { /* not signed in: show the form */ }

  const err = h('div', { id: 'login-error' });
  const user = input({ name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const pass = input({ name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const btn = h('button', { class: 'btn primary', type: 'submit' }, 'Sign in');
  const form = h('form', { novalidate: true, 'aria-describedby': 'login-error' },
    err, field('User name', user), field('Password', pass), btn);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clear(err);
    if (!user.value.trim() || !pass.value) {
      err.append(alertBox('bad', null, 'Enter your user name and password.'));
      (user.value.trim() ? pass : user).focus();
      return;
    }
    btn.disabled = true;
    btn.textContent = 'Signing in…';
    try {
      const res = await post('/api/v1/auth/session', { username: user.value.trim(), password: pass.value }, { quiet401: true });
      ctx.signedIn(res.user);
      ctx.navigate(ctx.next, { replace: true });
    } catch (ex) {
      err.append(alertBox('bad', ex.status === 429 ? 'Signing in is locked for now' : 'Could not sign in', ex.message));
      pass.value = '';
      pass.focus();
      btn.disabled = false;
      btn.textContent = 'Sign in';
    }
  });

  ctx.main.append(h('div', { class: 'login-page' },
    h('div', { class: 'card login-card' },
      h('div', { class: 'brand' }, h('img', { src: '/ui/img/logo.svg', alt: '' }), 'StreamSpace'),
      h('h1', {}, 'Sign in to your workspace'),
      form)));
  user.focus();
}
