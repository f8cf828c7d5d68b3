// api.js - the JSON API, as the browser speaks it: the session cookie
// (HttpOnly: this code never sees it) and the session's CSRF token on
// every unsafe request. Errors are the API's problem documents.

let csrf = null;

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem && problem.detail ? problem.detail : `HTTP ${status}`);
    this.status = status;
    this.code = problem && problem.code;
  }
}

async function send(method, path, init) {
  init.method = method;
  init.credentials = 'same-origin';
  init.headers = Object.assign({Accept: 'application/json'}, init.headers || {});
  if (method !== 'GET' && method !== 'HEAD' && csrf) init.headers['X-CSRF-Token'] = csrf;
  const res = await fetch(path, init);
  if (res.status === 204) return null;
  const type = res.headers.get('content-type') || '';
  const data = type.includes('json') ? await res.json() : await res.text();
  if (!res.ok) throw new ApiError(res.status, data);
  // The answer's ETag (a ticket's, for If-Match), beside the data, not in it.
  const etag = res.headers.get('etag');
  if (etag && data && typeof data === 'object') Object.defineProperty(data, 'etag', {value: etag});
  return data;
}

export function api(method, path, body, headers) {
  const init = {headers: Object.assign({}, headers || {})};
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  return send(method, path, init);
}

// A ticket, reply or note with files: the JSON in the part named 'message'.
export function upload(method, path, body, files) {
  if (!files || !files.length) return api(method, path, body);
  const form = new FormData();
  form.append('message', JSON.stringify(body));
  for (const f of files) form.append('file', f, f.name);
  return send(method, path, {body: form});
}

// The signed-in user, or null.
export async function currentUser() {
  try {
    const s = await api('GET', '/api/v1/session');
    csrf = s.csrf_token;
    return s.user;
  } catch (e) {
    if (e.status === 401 || e.status === 404) return null;
    throw e;
  }
}

export async function signIn(email, password) {
  const s = await api('POST', '/api/v1/session', {email, password});
  csrf = s.csrf_token;
  return s.user;
}

// Spends a mailed sign-in link (the secret after '#link=').
export async function signInWithLink(link) {
  const s = await api('POST', '/api/v1/session', {link});
  csrf = s.csrf_token;
  return s.user;
}

// Whether this desk mails sign-in links: {enabled, expires_in_minutes}.
export function linkSettings() {
  return api('GET', '/api/v1/session/link');
}

// Asks for a link to be mailed; the answer is the same for any address.
export function askLink(email) {
  return api('POST', '/api/v1/session/link', {email});
}

export async function signOut() {
  try {
    await api('DELETE', '/api/v1/session');
  } finally {
    csrf = null;
  }
}

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}
