// session.js - one session's desktop: noVNC (Debian's, under /novnc/)
// connected with a one-time viewer ticket that the cookie pays for, so no
// token is ever in a URL.  A toolbar (full screen, reconnect, clipboard,
// Ctrl-Alt-Del, disconnect, session info), the seeds' Ctrl+Alt+Shift+F
// and R, and plain messages with the action that helps whenever the
// session cannot be shown (starting, hibernated, agent offline, failed).
// Also /vnc-viewer/ID, without the site's header.  A web-streamed
// session is not shown here: the page sends the browser to its origin.

import { get, post, put, enc, on } from '../api.js';
import {
  h, clear, icon, chip, dialog, toast, platformEl, timeEl, absTime,
  stateLabel, copyButton,
} from '../ui.js';

const WAITING = new Set(['pending', 'starting', 'waking', 'hibernating']);

export default async function render(ctx) {
  const id = ctx.params.id;
  ctx.setTitle(id);
  let session = null;
  let rfb = null;
  let RFB = null;
  let connecting = false;
  let clipText = '';
  let wantConnected = true;

  const status = h('div', { id: 'status', class: 'viewer-status', role: 'status', 'aria-live': 'polite' }, 'Loading');
  const message = h('div', { class: 'viewer-message', hidden: true });
  const screen = h('div', { id: 'screen' }, message);
  const stateBox = h('span', {}, chip('pending', 'Loading'));
  const say = (t) => { status.textContent = t; };

  const tool = (iconName, label, onclick, key) => h('button', {
    class: 'btn small', type: 'button', onclick, title: key ? `${label} (${key})` : label,
    'aria-keyshortcuts': key ? key.replace(/\+/g, '+') : null,
  }, icon(iconName, 16), h('span', {}, label));

  const viewer = h('div', { class: ['viewer', ctx.bare ? 'bare' : null] });
  const btnFull = tool('fullscreen', 'Full screen', () => fullscreen(), 'Control+Alt+Shift+F');
  const btnReconnect = tool('refresh', 'Reconnect', () => reconnect(), 'Control+Alt+Shift+R');
  const btnClip = tool('clipboard', 'Clipboard', () => clipboardDialog());
  const btnCad = tool('keyboard', 'Ctrl-Alt-Del', () => { if (rfb) { rfb.sendCtrlAltDel(); say('Sent Ctrl-Alt-Del'); } });
  const btnDisconnect = tool('power', 'Disconnect', () => disconnect());
  const btnInfo = tool('info', 'Info', () => infoDialog());
  const live = [btnClip, btnCad, btnDisconnect];

  viewer.append(
    h('div', { class: 'viewer-bar' },
      h('div', { class: 'viewer-title' },
        ctx.bare ? null : h('a', { class: 'btn ghost small icon-only', href: '/sessions', 'aria-label': 'Back to my sessions', title: 'Back to my sessions' }, icon('back', 18)),
        h('h1', {}, id), stateBox),
      h('div', { class: 'tools', role: 'toolbar', 'aria-label': 'Session' },
        btnFull, btnReconnect, btnClip, btnCad, btnDisconnect, btnInfo)),
    status, screen);
  ctx.main.append(viewer);

  function setLive(on_) {
    for (const b of live) b.disabled = !on_;
  }
  setLive(false);

  function showMessage(kind, title, text, ...actions) {
    clear(message);
    message.append(h('div', { class: 'card', role: kind === 'bad' ? 'alert' : 'status' },
      h('div', { class: 'row' }, kind === 'wait' ? h('span', { class: 'spinner' }) : icon(kind === 'bad' ? 'alert' : 'info', 22), h('h2', {}, title)),
      text ? h('p', { class: 'muted' }, text) : null,
      actions.length ? h('div', { class: 'row' }, actions) : null));
    message.hidden = false;
  }

  function hideMessage() {
    message.hidden = true;
    clear(message);
  }

  function setSession(s) {
    session = s;
    clear(stateBox).append(chip(s.state));
    ctx.setTitle(s.template ? `${s.template} · ${s.id}` : s.id);
  }

  async function wake() {
    try {
      setSession(await put(`/api/v1/sessions/${enc(id)}/wake`));
      update();
    } catch (e) {
      toast(e.message, 'bad');
    }
  }

  // What to show for the session's state; connects when it runs.
  function update() {
    const s = session;
    if (!s) return;
    if (s.state === 'running') {
      if (!rfb && !connecting && wantConnected) connect();
      return;
    }
    if (rfb) {
      rfb.disconnect();
      rfb = null;
    }
    setLive(false);
    const reason = s.platformMetadata && s.platformMetadata.reason;
    const back = h('a', { class: 'btn', href: '/sessions' }, 'My sessions');
    if (WAITING.has(s.state)) {
      say(`${stateLabel(s.state)}…`);
      showMessage('wait', `The session is ${stateLabel(s.state).toLowerCase()}`,
        'The desktop appears here as soon as it is running.');
    } else if (s.state === 'hibernated') {
      say('Hibernated');
      showMessage('info', 'This session is hibernated',
        'Its desktop is saved but not running. Wake it to go on where you left off.',
        h('button', { class: 'btn primary', type: 'button', onclick: wake }, icon('sun', 16), 'Wake'), back);
    } else if (s.state === 'degraded') {
      say('The agent running this session is offline.');
      showMessage('bad', 'The agent is offline',
        `The agent running this session${s.agentId ? ` (${s.agentId})` : ''} is not connected. The session comes back when it reconnects.`,
        h('button', { class: 'btn', type: 'button', onclick: load }, icon('refresh', 16), 'Check again'), back);
    } else if (s.state === 'failed') {
      say('The session failed.');
      showMessage('bad', 'This session failed', reason ? `The agent said: ${reason}` : 'The agent could not run it.',
        h('a', { class: 'btn primary', href: '/catalog' }, 'Launch a new one'), back);
    } else {
      say(`The session is not running (it is ${stateLabel(s.state).toLowerCase()}).`);
      showMessage('info', 'This session has stopped', 'Launch a new one from the catalog.',
        h('a', { class: 'btn primary', href: '/catalog' }, 'Open the catalog'), back);
    }
  }

  // A web-streamed session is served on its own origin, never inside
  // this one (its pages could act as the user here): the ticket opens it.
  async function openWeb() {
    const t = await post(`/api/v1/sessions/${enc(id)}/viewer-ticket`);
    if (!ctx.isCurrent()) return;
    say(`Opening ${id} on its own site`);
    location.replace(t.url);
  }

  async function connect() {
    if (!ctx.isCurrent()) return;
    connecting = true;
    wantConnected = true;
    say(`Connecting to ${id}`);
    showMessage('wait', 'Connecting…', null);
    try {
      if (session && session.view === 'web') {
        await openWeb();
        return;
      }
      if (!RFB) {
        try {
          RFB = (await import('/novnc/core/rfb.js')).default;
        } catch (e) {
          throw new Error('The desktop viewer (noVNC) is not installed on the server (see novnc_dir).');
        }
      }
      const t = await post(`/api/v1/sessions/${enc(id)}/viewer-ticket`);
      if (!ctx.isCurrent()) return;
      const url = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${t.url}`;
      rfb = new RFB(screen, url);
      rfb.scaleViewport = true;
      rfb.background = '#11141a';
      rfb.addEventListener('connect', () => {
        hideMessage();
        setLive(true);
        say(`Connected: ${id}  (Ctrl+Alt+Shift+F full screen, Ctrl+Alt+Shift+R reconnect)`);
        rfb.focus();
      });
      rfb.addEventListener('disconnect', (e) => {
        rfb = null;
        setLive(false);
        if (!ctx.isCurrent()) return;
        if (e.detail.clean && !wantConnected) {
          say('Disconnected.');
          showMessage('info', 'Disconnected', 'You closed the connection to the desktop. The session goes on running.',
            h('button', { class: 'btn primary', type: 'button', onclick: reconnect }, icon('refresh', 16), 'Reconnect'));
        } else {
          say('Connection lost (the agent or the session went away).');
          showMessage('bad', 'Connection lost', 'The connection to the desktop ended. Reconnect, or check the session’s state.',
            h('button', { class: 'btn primary', type: 'button', onclick: reconnect }, icon('refresh', 16), 'Reconnect'));
          load();
        }
      });
      rfb.addEventListener('securityfailure', (e) => say(`VNC security failure: ${e.detail.reason}`));
      rfb.addEventListener('clipboard', (e) => { clipText = e.detail.text; });
      rfb.addEventListener('desktopname', (e) => { if (e.detail.name) say(`Connected: ${id} · ${e.detail.name}`); });
      window.ssdViewer = rfb;
    } catch (e) {
      if (!ctx.isCurrent()) return;
      say(`Cannot view it: ${e.message}`);
      showMessage('bad', 'Cannot show the desktop', e.message,
        h('button', { class: 'btn primary', type: 'button', onclick: reconnect }, icon('refresh', 16), 'Try again'));
      if ((e.status === 409 && e.code !== 'web_sessions_disabled') || e.code === 'agent_offline') load();
    } finally {
      connecting = false;
    }
  }

  function disconnect() {
    wantConnected = false;
    if (rfb) rfb.disconnect();
  }

  function reconnect() {
    wantConnected = true;
    if (rfb) {
      const old = rfb;
      rfb = null;
      old.disconnect();
    }
    if (session && session.state === 'running') connect();
    else load();
  }

  function fullscreen() {
    if (document.fullscreenElement) document.exitFullscreen();
    else viewer.requestFullscreen().catch(() => toast('Full screen is not allowed here.', 'bad'));
  }

  function clipboardDialog() {
    const area = h('textarea', { id: 'clip-text', rows: 6 }, clipText);
    const d = dialog({
      title: 'Clipboard',
      body: h('div', { class: 'stack' },
        h('p', { class: 'muted' }, 'Text copied in the session appears here. Edit it and send it to paste it there.'),
        h('label', { for: 'clip-text', class: 'visually-hidden' }, 'Clipboard text'), area),
      foot: [
        h('button', { class: 'btn', type: 'button', onclick: () => d.close() }, 'Close'),
        h('button', {
          class: 'btn primary', type: 'button',
          onclick: () => { if (rfb) { rfb.clipboardPasteFrom(area.value); clipText = area.value; toast('Sent to the session’s clipboard', 'ok', 2500); } d.close(); },
        }, 'Send to the session'),
      ],
    });
    area.focus();
  }

  function infoDialog() {
    const s = session || {};
    const row = (k, v) => [h('dt', {}, k), h('dd', {}, v || '—')];
    dialog({
      title: 'Session info',
      body: h('dl', { class: 'kv' },
        row('Session', h('code', {}, s.id || id)),
        row('Application', s.template),
        row('State', s.state ? chip(s.state) : null),
        row('Platform', s.platform ? platformEl(s.platform) : null),
        row('Agent', s.agentId ? h('code', {}, s.agentId) : null),
        row('Region', s.region),
        row('Created', s.createdAt ? h('span', {}, timeEl(s.createdAt), ` · ${absTime(s.createdAt)}`) : null),
        row('Last active', s.lastActivity ? timeEl(s.lastActivity) : null),
        row('Pod', s.platformMetadata && s.platformMetadata.podName ? h('code', {}, s.platformMetadata.podName) : null),
        row('Owner', s.user)),
      foot: [copyButton(s.id || id, 'Copy session id')],
    });
  }

  async function load() {
    try {
      setSession(await get(`/api/v1/sessions/${enc(id)}`));
      update();
    } catch (e) {
      if (!ctx.isCurrent()) return;
      if (e.status === 404) {
        say(`No such session: ${id}`);
        clear(stateBox);
        showMessage('bad', 'No such session', 'It does not exist, or it is not yours.',
          h('a', { class: 'btn primary', href: '/sessions' }, 'My sessions'));
      } else {
        say(`Error: ${e.message}`);
        showMessage('bad', 'Could not load the session', e.message,
          h('button', { class: 'btn primary', type: 'button', onclick: load }, icon('refresh', 16), 'Try again'));
      }
    }
  }

  const keys = (e) => {
    if (!(e.ctrlKey && e.altKey && e.shiftKey)) return;
    if (e.code === 'KeyF') { e.preventDefault(); e.stopPropagation(); fullscreen(); }
    if (e.code === 'KeyR') { e.preventDefault(); e.stopPropagation(); reconnect(); }
  };
  document.addEventListener('keydown', keys, true);
  ctx.cleanup(() => document.removeEventListener('keydown', keys, true));
  ctx.cleanup(on('session', (s) => {
    if (s.id !== id) return;
    const was = session && session.state;
    setSession(s);
    if (was !== s.state) update();
  }));
  ctx.cleanup(on('resync', () => load()));
  ctx.cleanup(() => {
    wantConnected = false;
    if (rfb) rfb.disconnect();
    rfb = null;
    if (window.ssdViewer) delete window.ssdViewer;
  });
  await load();
}
