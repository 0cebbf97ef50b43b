// api.js - the REST API and the live event stream, as the pages use them.
// The browser holds an HttpOnly cookie that scripts never see: no token
// is read, stored or put in a URL here.  Errors become ApiError with the
// API's code and a sentence a person can act on.

export class ApiError extends Error {
  constructor(status, code, message, extra = {}) {
    super(message);
    this.status = status;
    this.code = code;
    Object.assign(this, extra);
  }
}

// What the API's error codes mean to someone using the UI.
const MEANING = {
  invalid_credentials: 'Wrong user name or password.',
  account_disabled: 'This account is disabled. Ask an administrator to enable it.',
  no_agent_available: 'No agent can run this right now: none is online with room for another session. Try again later or ask an administrator.',
  no_capacity: 'The agents have no capacity left for this session. Try again later or ask an administrator.',
  quota_exceeded: 'You already have as many sessions as your quota allows. Stop one first, or ask an administrator for a larger quota.',
  agent_offline: 'The agent running this session is offline. The session comes back when the agent reconnects.',
  cross_origin: 'This request did not come from this site’s own pages, so it was refused.',
  unavailable: 'The service is unavailable right now. Try again in a moment.',
  database_unavailable: 'The service is unavailable right now. Try again in a moment.',
};

let onUnauthorized = null;

// The app sets what happens when the cookie is no longer good.
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

function minutes(seconds) {
  const m = Math.ceil(seconds / 60);
  return seconds < 90 ? `${seconds} seconds` : `${m} minutes`;
}

async function toError(res) {
  let body = {};
  try { body = await res.json(); } catch (e) { /* not JSON */ }
  const code = body.error || `http_${res.status}`;
  let message = MEANING[code] || body.message || `The server answered ${res.status}.`;
  const extra = { body };
  if (res.status === 429) {
    const wait = parseInt(res.headers.get('Retry-After') || '0', 10);
    extra.retryAfter = wait;
    message = wait > 0
      ? `Too many attempts. Try again in ${minutes(wait)}.`
      : 'Too many attempts. Try again later.';
  } else if (res.status === 503 && !MEANING[code] && body.message) {
    message = `Unavailable: ${body.message}`;
  }
  return new ApiError(res.status, code, message, extra);
}

// api('GET', '/api/v1/sessions') -> parsed JSON (null for 204).
export async function api(method, path, body, { quiet401 = false } = {}) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, 'network', 'The server cannot be reached. Check your connection and try again.');
  }
  if (res.status === 401 && !quiet401 && onUnauthorized) {
    onUnauthorized();
  }
  if (!res.ok) throw await toError(res);
  if (res.status === 204) return null;
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

export const get = (path, opts) => api('GET', path, undefined, opts);
export const post = (path, body, opts) => api('POST', path, body === undefined ? {} : body, opts);
export const put = (path, body) => api('PUT', path, body === undefined ? {} : body);
export const patch = (path, body) => api('PATCH', path, body);
export const del = (path) => api('DELETE', path);

export function q(path, params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') u.set(k, v);
  }
  const s = u.toString();
  return s ? `${path}?${s}` : path;
}

export const enc = encodeURIComponent;

// ---- live events: one EventSource for the whole app --------------------------
//
// GET /api/v1/events sends "hello" first on every (re)connection and
// "resync" when the server may have missed changes: both mean "reload
// what you show", and subscribers get them as the type 'resync'.  Then
// "session" and (for administrators) "agent" events carry whole objects.

const listeners = new Map();	// type -> Set of functions
let source = null;
let state = 'closed';
const stateListeners = new Set();

function emit(type, data) {
  for (const fn of listeners.get(type) || []) {
    try { fn(data); } catch (e) { console.error(e); }
  }
}

function setState(s) {
  state = s;
  for (const fn of stateListeners) fn(s);
}

function parse(e) {
  try { return JSON.parse(e.data); } catch (err) { return null; }
}

export function eventsStart() {
  if (source) return;
  source = new EventSource('/api/v1/events');
  setState('connecting');
  source.addEventListener('hello', () => { setState('open'); emit('resync', null); });
  source.addEventListener('resync', () => emit('resync', null));
  source.addEventListener('session', (e) => { const d = parse(e); if (d) emit('session', d); });
  source.addEventListener('agent', (e) => { const d = parse(e); if (d) emit('agent', d); });
  source.addEventListener('error', () => {
    // The browser reconnects by itself while readyState is CONNECTING;
    // CLOSED means the server refused (signed out?) or failed.
    if (!source || source.readyState !== EventSource.CLOSED) {
      setState('connecting');
      return;
    }
    source = null;
    setState('connecting');
    setTimeout(async () => {
      try {
        await get('/api/v1/users/me');
        eventsStart();
      } catch (e) {
        if (e.status !== 401) setTimeout(eventsStart, 3000);
      }
    }, 3000);
  });
}

export function eventsStop() {
  if (source) source.close();
  source = null;
  setState('closed');
}

// on('session', fn) -> a function that unsubscribes.
export function on(type, fn) {
  if (!listeners.has(type)) listeners.set(type, new Set());
  listeners.get(type).add(fn);
  return () => listeners.get(type).delete(fn);
}

export function onEventsState(fn) {
  stateListeners.add(fn);
  fn(state);
  return () => stateListeners.delete(fn);
}
