// The page's only door to the server: every request goes through call(), same origin only (mode 'same-origin', no
// CORS), with the tab's credential attached in one place (authorize). Answers that are not 2xx become FabricErrors
// carrying the server's own code and message.

const API_VERSION = '6.2';
const CREDENTIAL_KEY = 'imagestore-explorer:credential';

export class FabricError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** A store path as the page writes it: '/'-separated, no leading or trailing '/', '' for the root. */
export function normalizePath(path) {
  return (path || '').replaceAll('\\', '/').split('/').filter(s => s.length > 0).join('/');
}

export function joinPath(folder, name) {
  return normalizePath(folder ? `${folder}/${name}` : name);
}

function encodePath(path) {
  return normalizePath(path).split('/').map(encodeURIComponent).join('/');
}

// --- Authentication: the one place a credential is attached. -----------------------------------------------------
// Client certificates: the browser presents them by itself (nothing here). App Service authentication: the login
// redirect covers the page; an expired login turns API answers into redirects, reported as "reload to sign in".
// Function keys or bearer tokens: a 401 asks the user once per tab (sessionStorage) and the request is sent again.
let promptForCredential = async () => null;
let pendingPrompt = null; // one question at a time, however many requests were refused together

export function setCredentialPrompt(prompt) {
  promptForCredential = prompt;
}

function storedCredential() {
  try {
    return JSON.parse(sessionStorage.getItem(CREDENTIAL_KEY) || 'null');
  } catch {
    return null;
  }
}

/** Attaches the tab's credential, if any; returns its value (undefined when none). */
function authorize(headers) {
  const credential = storedCredential();
  if (credential?.scheme === 'bearer') {
    headers.set('Authorization', `Bearer ${credential.value}`);
  } else if (credential?.scheme === 'key') {
    headers.set('x-functions-key', credential.value);
  }
  return credential?.value;
}

/** Sends one request to /ImageStore[/{path}][/$/{op}]; resolves with the Response of a 2xx, throws FabricError otherwise. */
export async function call(method, { path = '', op = null, query = {}, body = undefined, headers = {}, signal = undefined } = {}) {
  const params = new URLSearchParams({ 'api-version': API_VERSION, ...query });
  const url = '/ImageStore' + (path ? '/' + encodePath(path) : '') + (op ? '/$/' + op : '') + '?' + params;
  for (let attempt = 0; ; attempt++) {
    const h = new Headers(headers);
    const sent = authorize(h);
    const response = await fetch(url, {
      method, headers: h, body, signal,
      mode: 'same-origin', credentials: 'same-origin', redirect: 'manual', cache: 'no-store',
    });
    if (response.type === 'opaqueredirect') {
      throw new FabricError(0, 'SIGN_IN_REQUIRED', 'The server asked this page to sign in again. Reload the page to sign in; uploads resume where they stopped.');
    }
    if (response.status === 401 && attempt === 0) {
      if (storedCredential()?.value !== sent) continue; // another request got a credential meanwhile
      const scheme = /bearer/i.test(response.headers.get('WWW-Authenticate') || '') ? 'bearer' : 'key';
      pendingPrompt ??= promptForCredential(scheme).then(value => {
        if (value) sessionStorage.setItem(CREDENTIAL_KEY, JSON.stringify({ scheme, value }));
        return value;
      }).finally(() => { pendingPrompt = null; });
      if (await pendingPrompt) continue;
    }
    if (!response.ok) {
      throw await errorOf(response);
    }
    return response;
  }
}

async function errorOf(response) {
  let code = response.headers.get('x-ms-error-code') || `HTTP ${response.status}`;
  let message = `The server answered ${response.status} ${response.statusText}.`;
  try {
    const text = await response.text();
    const error = text ? JSON.parse(text).Error : null;
    if (error?.Code) code = error.Code;
    if (error?.Message) message = error.Message;
  } catch {
    // not a FabricError body: keep the status line
  }
  if (response.status === 401) message = 'The server needs a credential for this request (the one given was refused). ' + message;
  if (response.status === 403) message = 'Your credential is not allowed to do this. ' + message;
  return new FabricError(response.status, code, message);
}

async function json(response) {
  return response.status === 204 ? null : response.json();
}

/** Every entry of a folder ('' is the root), following ContinuationToken page by page. Null when nothing is there. */
export async function listFolder(path, onPage = () => {}) {
  const files = [];
  const folders = [];
  let token = null;
  do {
    let body;
    try {
      body = await json(await call('GET', { path, query: token ? { ContinuationToken: token } : {} }));
    } catch (e) {
      if (e instanceof FabricError && e.status === 404 && !token) return null;
      throw e;
    }
    if (!body) break; // 204: empty store, or no further page
    for (const f of body.StoreFiles || []) files.push({ ...f, StoreRelativePath: normalizePath(f.StoreRelativePath) });
    for (const d of body.StoreFolders || []) folders.push({ ...d, StoreRelativePath: normalizePath(d.StoreRelativePath) });
    onPage(files.length, folders.length);
    token = body.ContinuationToken || null;
  } while (token);
  return { files, folders };
}

export async function folderSize(path) {
  const body = await json(await call('GET', { path, op: 'FolderSize' }));
  return Number(body.FolderSize);
}

export async function info() {
  return json(await call('GET', { op: 'Info' }));
}

export async function uploadFile(path, body, md5, signal) {
  await call('PUT', { path, body, signal, headers: md5 ? { 'Content-MD5': md5 } : {} });
}

export async function uploadChunk(path, sessionId, first, last, size, body, md5, signal) {
  await call('PUT', {
    path, op: 'UploadChunk', query: { 'session-id': sessionId }, body, signal,
    headers: { 'Content-Range': `bytes ${first}-${last}/${size}`, ...(md5 ? { 'Content-MD5': md5 } : {}) },
  });
}

function sessionInfo(s) {
  return {
    path: normalizePath(s.StoreRelativePath), sessionId: s.SessionId, size: Number(s.FileSize), modified: s.ModifiedDate,
    expected: (s.ExpectedRanges || []).map(r => ({ first: Number(r.StartPosition), last: Number(r.EndPosition) })),
  };
}

function sessionOf(body) {
  const s = body?.UploadSessions?.[0];
  return s ? sessionInfo(s) : null;
}

/** The open upload sessions at or below a folder ('' is the whole store), by any client; `truncated` when cut. */
export async function listSessions(folder) {
  const body = await json(await call('GET', { path: folder, op: 'ListUploadSessions' }));
  return { sessions: (body?.UploadSessions || []).map(sessionInfo), truncated: body?.Truncated === true };
}

export async function getSession(sessionId) {
  return sessionOf(await json(await call('GET', { op: 'GetUploadSession', query: { 'session-id': sessionId } })));
}

export async function getSessionByPath(path) {
  return sessionOf(await json(await call('GET', { path, op: 'GetUploadSession' })));
}

export async function commitSession(sessionId) {
  await call('POST', { op: 'CommitUploadSession', query: { 'session-id': sessionId } });
}

export async function deleteSession(sessionId) {
  await call('DELETE', { op: 'DeleteUploadSession', query: { 'session-id': sessionId } });
}

export async function deleteContent(path) {
  await call('DELETE', { path });
}

export async function copy(source, destination) {
  await call('POST', {
    op: 'Copy', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ RemoteSource: normalizePath(source), RemoteDestination: normalizePath(destination) }),
  });
}
