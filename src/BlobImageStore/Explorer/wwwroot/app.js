// The Image Store Explorer: hash routes (#/folder/path, #/$/Info), a folder tree, the listing, uploads, the sessions
// in progress, and the dialogs. Plain DOM, no framework; every request goes through api.js.
import * as api from './api.js';
import { UploadBatch, journal, entriesOfDrop, entriesOfInput, receivedRanges, missingBytes } from './uploads.js';

const $ = id => document.getElementById(id);
const state = { folder: '', listing: null, batches: [], loadToken: 0 };

// --- Formatting ---------------------------------------------------------------------------------------------------
const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
export function formatBytes(n) {
  if (!Number.isFinite(n)) return '';
  if (n < 1024) return `${n} ${n === 1 ? 'byte' : 'bytes'}`;
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(1)} ${units[i]}`;
}
const count = n => Number(n).toLocaleString('en-US');
const formatDate = iso => iso ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : '';
const nameOf = path => path.split('/').pop();
const parentOf = path => path.split('/').slice(0, -1).join('/');
const folderLabel = path => path === '' ? "the store's root" : `/${path}`;
function formatSeconds(s) {
  if (!Number.isFinite(s) || s < 0) return '';
  if (s < 60) return `${Math.ceil(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

const hrefOf = path => '#/' + path.split('/').filter(Boolean).map(encodeURIComponent).join('/');

// --- Errors -------------------------------------------------------------------------------------------------------
function showError(e, what) {
  const text = e instanceof api.FabricError ? `${e.code}: ${e.message}` : String(e?.message || e);
  $('error-text').textContent = what ? `${what} failed. ${text}` : text;
  $('error').hidden = false;
}
function clearError() {
  $('error').hidden = true;
  $('error-text').textContent = '';
}

// --- Dialogs ------------------------------------------------------------------------------------------------------
function ask(dialog) {
  return new Promise(resolve => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.returnValue = '';
    dialog.showModal();
  });
}

api.setCredentialPrompt(async scheme => {
  const bearer = scheme === 'bearer';
  $('credential-text').textContent = bearer
    ? 'This server needs an access token (Microsoft Entra ID). Paste a bearer token; it is kept in this tab only.'
    : 'This server needs a key (for example an Azure Functions key). Paste it; it is kept in this tab only.';
  $('credential-label').textContent = bearer ? 'Bearer token' : 'Key';
  $('credential-value').value = '';
  return (await ask($('credential-dialog'))) ? $('credential-value').value.trim() || null : null;
});

// --- Routing ------------------------------------------------------------------------------------------------------
function route() {
  const hash = decodeURIComponent(location.hash.replace(/^#\/?/, ''));
  if (hash === '$/Info') return showInfo();
  return showFolder(api.normalizePath(hash));
}

function setCurrentView(name) {
  $('browse-view').hidden = name !== 'browse';
  $('info-view').hidden = name !== 'info';
  $('nav-browse').toggleAttribute('aria-current', name === 'browse');
  if (name === 'browse') $('nav-browse').setAttribute('aria-current', 'page');
  $('nav-info').toggleAttribute('aria-current', name === 'info');
  if (name === 'info') $('nav-info').setAttribute('aria-current', 'page');
}

// --- Browse -------------------------------------------------------------------------------------------------------
async function showFolder(folder) {
  setCurrentView('browse');
  state.folder = folder;
  const token = ++state.loadToken;
  document.title = folder ? `${nameOf(folder)} - Image Store Explorer` : 'Image Store Explorer';
  $('folder-title').textContent = folder ? nameOf(folder) : 'Image store';
  $('drop-target').textContent = folderLabel(folder);
  $('listing-caption').textContent = `Contents of ${folderLabel(folder)}`;
  renderCrumbs(folder);
  $('folder-summary').textContent = 'Loading…';
  $('listing-body').replaceChildren();
  $('empty').hidden = true;
  revealInTree(folder);
  renderSessions();
  let listing;
  try {
    listing = await api.listFolder(folder, (files, folders) => {
      if (token === state.loadToken) $('folder-summary').textContent = `Loading… ${count(files)} files and ${count(folders)} folders so far`;
    });
  } catch (e) {
    if (token !== state.loadToken) return;
    $('folder-summary').textContent = 'This folder could not be listed.';
    showError(e, `Listing ${folderLabel(folder)}`);
    return;
  }
  if (token !== state.loadToken) return;
  state.listing = listing;
  renderListing(folder, listing);
}

function renderCrumbs(folder) {
  const parts = folder ? folder.split('/') : [];
  const items = [el('li', {}, el('a', { href: '#/', 'aria-current': parts.length === 0 ? 'page' : null, text: 'Image store' }))];
  parts.forEach((part, i) => {
    const path = parts.slice(0, i + 1).join('/');
    items.push(el('li', {}, el('a', { href: hrefOf(path), 'aria-current': i === parts.length - 1 ? 'page' : null, text: part })));
  });
  $('crumbs').replaceChildren(...items);
}

function renderListing(folder, listing) {
  const body = $('listing-body');
  if (listing === null || (listing.files.length === 0 && listing.folders.length === 0)) {
    $('folder-summary').textContent = folder === '' ? 'The store is empty.' : 'This folder is empty.';
    $('empty').textContent = folder === ''
      ? 'Nothing is stored yet. Drop files or folders here, or use "Upload files…" or "Upload a folder…".'
      : 'Nothing is stored at this path (a folder exists while some file is under it). Upload files here to create it.';
    $('empty').hidden = false;
    $('listing').hidden = true;
    updateTreeChildren(folder, []);
    return;
  }
  $('listing').hidden = false;
  const folders = [...listing.folders].sort((a, b) => a.StoreRelativePath.localeCompare(b.StoreRelativePath));
  const files = [...listing.files].sort((a, b) => a.StoreRelativePath.localeCompare(b.StoreRelativePath));
  const totalFiles = files.length;
  const bytes = files.reduce((n, f) => n + Number(f.FileSize), 0);
  $('folder-summary').textContent = `${count(folders.length)} ${folders.length === 1 ? 'folder' : 'folders'} and ${count(totalFiles)} ${totalFiles === 1 ? 'file' : 'files'} (${formatBytes(bytes)} in files here)`;
  const rows = document.createDocumentFragment();
  const sizeCells = [];
  for (const d of folders) {
    const path = d.StoreRelativePath;
    const name = nameOf(path);
    const sizeCell = el('td', { class: 'num', text: '…' });
    sizeCells.push({ path, cell: sizeCell });
    rows.append(el('tr', { 'data-kind': 'folder', 'data-path': path },
      el('td', {}, el('span', { class: 'kind kind-folder', 'aria-hidden': 'true' }), el('a', { href: hrefOf(path), text: name })),
      sizeCell,
      el('td', { class: 'num', text: count(d.FileCount) }),
      el('td', { text: '' }),
      actionsCell(path, 'folder', Number(d.FileCount))));
  }
  for (const f of files) {
    const path = f.StoreRelativePath;
    rows.append(el('tr', { 'data-kind': 'file', 'data-path': path },
      el('td', {}, el('span', { class: 'kind kind-file', 'aria-hidden': 'true' }), el('span', { class: 'name', text: nameOf(path) })),
      el('td', { class: 'num', title: `${count(f.FileSize)} bytes`, text: formatBytes(Number(f.FileSize)) }),
      el('td', { class: 'num', text: '' }),
      el('td', { text: formatDate(f.ModifiedDate) }),
      actionsCell(path, 'file', 1, Number(f.FileSize))));
  }
  body.replaceChildren(rows);
  updateTreeChildren(folder, folders.map(d => d.StoreRelativePath));
  loadFolderSizes(sizeCells, state.loadToken);
}

async function loadFolderSizes(cells, token) {
  let next = 0;
  const worker = async () => {
    while (next < cells.length && token === state.loadToken) {
      const { path, cell } = cells[next++];
      try {
        const size = await api.folderSize(path);
        cell.textContent = formatBytes(size);
        cell.title = `${count(size)} bytes`;
      } catch {
        cell.textContent = '?';
      }
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}

function actionsCell(path, kind, files, size) {
  const name = nameOf(path);
  return el('td', { class: 'actions' },
    el('button', { type: 'button', class: 'small', 'aria-label': `Copy ${kind} ${name}`, text: 'Copy', onclick: () => copyItem(path, kind) }),
    ' ',
    el('button', { type: 'button', class: 'small danger', 'aria-label': `Delete ${kind} ${name}`, text: 'Delete', onclick: () => deleteItem(path, kind, files, size) }));
}

async function deleteItem(path, kind, files, size) {
  $('confirm-title').textContent = `Delete ${kind} ${nameOf(path)}?`;
  $('confirm-text').textContent = kind === 'folder'
    ? `The folder /${path} and everything in it goes: ${count(files)} ${files === 1 ? 'file' : 'files'}, and any upload in progress under it. This cannot be undone.`
    : `The file /${path} (${formatBytes(size)}) goes. This cannot be undone.`;
  if (!(await ask($('confirm-dialog')))) return;
  try {
    clearError();
    await api.deleteContent(path);
    for (const p of Object.keys(journal.all())) if (p === path || p.startsWith(path + '/')) journal.delete(p);
    $('folder-summary').textContent = `Deleted /${path}.`;
    await showFolder(state.folder);
  } catch (e) {
    showError(e, `Deleting /${path}`);
  }
}

async function copyItem(path, kind) {
  $('copy-title').textContent = `Copy ${kind} ${nameOf(path)}`;
  $('copy-text').textContent = `Copies /${path} inside the store (server-side). An existing file at the destination is replaced.`;
  $('copy-destination').value = `${path}-copy`;
  if (!(await ask($('copy-dialog')))) return;
  const destination = api.normalizePath($('copy-destination').value);
  try {
    clearError();
    await api.copy(path, destination);
    $('folder-summary').textContent = `Copied /${path} to /${destination}.`;
    await showFolder(state.folder);
  } catch (e) {
    showError(e, `Copying /${path} to /${destination}`);
  }
}

// --- Tree ---------------------------------------------------------------------------------------------------------
const treeNodes = new Map(); // path -> { li, list, toggle, loaded }

function treeNode(path) {
  if (treeNodes.has(path)) return treeNodes.get(path);
  const label = path === '' ? 'Image store' : nameOf(path);
  const list = el('ul', { hidden: true });
  const toggle = el('button', {
    type: 'button', class: 'twisty', 'aria-expanded': 'false', 'aria-label': `Show folders in ${label}`, text: '▸',
    onclick: () => setExpanded(path, toggle.getAttribute('aria-expanded') !== 'true'),
  });
  const link = el('a', { href: hrefOf(path), text: label });
  const li = el('li', { 'data-path': path }, el('div', { class: 'tree-row' }, toggle, link), list);
  const node = { li, list, toggle, link, loaded: false };
  treeNodes.set(path, node);
  return node;
}

let treeLoads = 0; // tree listings in flight: the tree says aria-busy until they are in

async function setExpanded(path, expanded) {
  const node = treeNode(path);
  node.toggle.setAttribute('aria-expanded', String(expanded));
  node.toggle.textContent = expanded ? '▾' : '▸';
  node.list.hidden = !expanded;
  if (expanded && !node.loaded && !node.loading) {
    node.loading = true; // one listing per folder at a time, however often the way down passes it
    $('tree').setAttribute('aria-busy', String(++treeLoads > 0));
    try {
      const listing = await api.listFolder(path);
      updateTreeChildren(path, (listing?.folders || []).map(d => d.StoreRelativePath));
    } catch (e) {
      showError(e, `Listing ${folderLabel(path)}`);
    } finally {
      node.loading = false;
      $('tree').setAttribute('aria-busy', String(--treeLoads > 0));
    }
  }
}

/**
 * Makes a list's children exactly `items`, in this order, moving only what is out of place: a node that stays is never
 * taken out and put back. Chromium (like Firefox) drops the click of an element removed between the press and the
 * release, even if it is put back at once, so re-rendering a list the pointer is on loses the user's click.
 */
function reconcileChildren(list, items) {
  const keep = new Set(items);
  for (const child of [...list.children]) if (!keep.has(child)) child.remove();
  items.forEach((item, i) => {
    const at = list.children[i] ?? null;
    if (at !== item) list.insertBefore(item, at);
  });
}

function updateTreeChildren(path, children) {
  const node = treeNode(path);
  node.loaded = true;
  const sorted = [...children].sort();
  reconcileChildren(node.list, sorted.map(c => treeNode(c).li));
  node.toggle.hidden = false;
  if (path === state.folder && sorted.length > 0) {
    node.toggle.setAttribute('aria-expanded', 'true');
    node.toggle.textContent = '▾';
    node.list.hidden = false;
  }
  if (sorted.length === 0) {
    node.toggle.setAttribute('aria-expanded', 'false');
    node.toggle.textContent = '▸';
    node.toggle.hidden = true;
    node.list.hidden = true;
  }
}

function revealInTree(folder) {
  const parts = folder ? folder.split('/') : [];
  for (let i = 0; i < parts.length; i++) {
    const parent = parts.slice(0, i).join('/');
    const pNode = treeNode(parent);
    const child = treeNode(parts.slice(0, i + 1).join('/'));
    if (!pNode.list.contains(child.li)) pNode.list.append(child.li);
    pNode.toggle.setAttribute('aria-expanded', 'true');
    pNode.toggle.textContent = '▾';
    pNode.toggle.hidden = false;
    pNode.list.hidden = false;
    if (!pNode.loaded) setExpanded(parent, true); // show the siblings on the way down too
  }
  for (const n of treeNodes.values()) n.link.removeAttribute('aria-current');
  const current = treeNode(folder);
  current.link.setAttribute('aria-current', 'page');
}

// --- Uploads ------------------------------------------------------------------------------------------------------
function startUpload({ files, folders }) {
  if (files.length === 0 && folders.length === 0) return;
  clearError();
  const batch = new UploadBatch(state.folder, files, folders, renderUploads);
  state.batches.push(batch);
  $('uploads').hidden = false;
  batch.run().then(() => {
    if (batch.state === 'failed') showError(batch.error, 'The upload');
    renderSessions();
    if (batch.target === state.folder || batch.target.startsWith(state.folder)) showFolder(state.folder);
  });
}

let renderPending = false;
function renderUploads() {
  if (renderPending) return;
  renderPending = true;
  setTimeout(() => { renderPending = false; drawUploads(); }, 100);
}

function drawUploads() {
  const items = state.batches.flatMap(b => b.items);
  const total = items.reduce((n, i) => n + i.size, 0);
  const confirmed = items.reduce((n, i) => n + i.confirmed, 0);
  const running = state.batches.filter(b => b.state === 'running');
  const rate = running.reduce((n, b) => n + b.rate, 0);
  const paused = running.some(b => b.paused);
  const done = items.filter(i => i.state === 'done').length;
  const failed = items.filter(i => i.state === 'failed').length;
  $('total-progress').max = Math.max(1, total);
  $('total-progress').value = confirmed;
  const left = rate > 0 ? ` · ${formatSeconds((total - confirmed) / rate)} left` : '';
  const status = paused ? 'Paused' : running.length ? 'Uploading' : failed ? 'Stopped with errors' : 'Done';
  $('total-text').textContent = `${status}: ${done} of ${items.length} files, ${formatBytes(confirmed)} of ${formatBytes(total)}` +
    (running.length && !paused ? ` · ${formatBytes(rate)}/s${left}` : '') + (failed ? ` · ${failed} failed` : '');
  $('pause').hidden = paused || running.length === 0;
  $('resume').hidden = !paused;
  const list = $('upload-list');
  list.replaceChildren(...items.slice(-200).map((i, n) => {
    const id = `upload-${n}`;
    const stateText = i.state === 'failed' ? `failed: ${i.message}`
      : i.state === 'retrying' ? `retrying: ${i.message}`
      : i.resumed && i.state !== 'done' ? `${i.state} (resumed, ${formatBytes(i.alreadyThere)} were already on the server)`
      : i.state;
    return el('li', { 'data-path': i.path, 'data-state': i.state },
      el('span', { class: 'path', id, text: `/${i.path}` }),
      el('progress', { max: Math.max(1, i.size), value: i.size === 0 && i.state === 'done' ? 1 : i.confirmed, 'aria-labelledby': id }),
      el('span', { class: `state-${i.state}`, text: `${formatBytes(i.confirmed)} of ${formatBytes(i.size)} · ${stateText}` }),
      el('span'));
  }));
}

// --- Sessions in progress -----------------------------------------------------------------------------------------
function under(path, folder) {
  return folder === '' || path.startsWith(folder + '/');
}

let sessionLoads = 0; // session listings in flight: the list says aria-busy until they are in

async function renderSessions() {
  const folder = state.folder;
  let listed;
  $('session-list').setAttribute('aria-busy', String(++sessionLoads > 0));
  try {
    listed = await api.listSessions(folder);
  } catch (e) {
    if (folder !== state.folder) return;
    $('session-list').replaceChildren();
    $('sessions-note').textContent = `The upload sessions under ${folderLabel(folder)} could not be read: ${e.message}`;
    return;
  } finally {
    $('session-list').setAttribute('aria-busy', String(--sessionLoads > 0));
  }
  if (folder !== state.folder) return;
  const ours = journal.all();
  const open = new Set(listed.sessions.map(s => s.sessionId));
  if (!listed.truncated) {
    // Committed, deleted or expired: nothing of this browser's to resume there any more.
    const active = activePaths();
    for (const [path, e] of Object.entries(ours)) if (under(path, folder) && !open.has(e.sessionId) && !active.has(path)) journal.delete(path);
  }
  // A row shown as it was stays the same element (the refresh every 5 s must not swallow a click on its buttons).
  const shown = new Map([...$('session-list').children].map(li => [li.dataset.session, li]));
  const rows = listed.sessions.map(status => {
    const entry = ours[status.path]?.sessionId === status.sessionId ? ours[status.path] : null;
    const row = sessionRow(status, { path: status.path, entry, ours: entry !== null });
    const old = shown.get(status.sessionId);
    return old?.isEqualNode(row) ? old : row;
  });
  reconcileChildren($('session-list'), rows);
  $('sessions-note').textContent = rows.length === 0
    ? `No upload session is open under ${folderLabel(folder)}.`
    : `Upload sessions open under ${folderLabel(folder)}, by any client${listed.truncated ? ` (the first ${rows.length} by path; open a subfolder to see the others)` : ''}. To resume one of this browser's after a reload or a lost network, choose the same files again in the same folder (Resume… does): only the missing bytes are sent.`;
}

function activePaths() {
  return new Set(state.batches.filter(b => b.state === 'running').flatMap(b => b.items.map(i => i.path)));
}

function sessionRow(status, known) {
  const received = status.size - missingBytes(status.expected, status.size);
  const labelId = `session-${status.sessionId}`;
  const bar = el('div', {
    class: 'rangebar', role: 'img',
    'aria-label': `${formatBytes(received)} of ${formatBytes(status.size)} received, in ${receivedRanges(status.expected, status.size).length} ranges`,
  }, ...receivedRanges(status.expected, status.size).map(() => el('span')));
  // Inline styles are forbidden by the page's CSP (style-src 'self'): position the range spans through CSSOM instead.
  receivedRanges(status.expected, status.size).forEach((r, i) => {
    const span = bar.children[i];
    span.style.left = `${(100 * r.first / Math.max(1, status.size)).toFixed(3)}%`;
    span.style.width = `${(100 * (r.last - r.first + 1) / Math.max(1, status.size)).toFixed(3)}%`;
  });
  const active = activePaths().has(status.path);
  const folder = known.entry?.folder ?? parentOf(status.path);
  const picked = known.entry?.picked ?? { kind: 'file', name: nameOf(status.path) };
  const again = picked.kind === 'folder' ? `the folder ${picked.name}` : picked.name;
  const hint = active ? (state.batches.some(b => b.paused) ? 'paused in this tab' : 'uploading in this tab')
    : known.ours ? `interrupted; to resume, choose ${again} again in ${folderLabel(folder)}`
    : 'started elsewhere';
  const resume = known.ours && !active
    ? el('button', {
      type: 'button', class: 'small', 'aria-label': `Resume the upload of ${nameOf(status.path)}: choose ${again} again`, text: 'Resume…',
      onclick: () => {
        // Into the folder the upload went to, then the same picker: only the session's missing bytes are sent.
        if (state.folder !== folder) {
          history.pushState(null, '', hrefOf(folder));
          showFolder(folder);
        }
        $(picked.kind === 'folder' ? 'pick-folder' : 'pick-files').click();
      },
    })
    : null;
  return el('li', { 'data-path': status.path, 'data-session': status.sessionId },
    el('span', { class: 'path', id: labelId, text: `/${status.path}` }),
    bar,
    el('span', { text: `${formatBytes(received)} of ${formatBytes(status.size)} · ${hint}` }),
    el('span', { class: 'actions' }, resume, resume ? ' ' : null, el('button', {
      type: 'button', class: 'small danger', 'aria-label': `Delete the upload session of ${nameOf(status.path)}`, text: 'Delete',
      disabled: active, onclick: () => deleteSessionOf(status, known),
    })));
}

async function deleteSessionOf(status, known) {
  $('confirm-title').textContent = `Delete the upload of ${nameOf(status.path)}?`;
  $('confirm-text').textContent = `The upload session of /${status.path} and the ${formatBytes(status.size - missingBytes(status.expected, status.size))} it received go; the file itself is not changed.`;
  if (!(await ask($('confirm-dialog')))) return;
  try {
    clearError();
    await api.deleteSession(status.sessionId);
    if (known.ours) journal.delete(status.path);
    await renderSessions();
  } catch (e) {
    showError(e, 'Deleting the upload session');
  }
}

// --- Store info ---------------------------------------------------------------------------------------------------
async function showInfo() {
  setCurrentView('info');
  document.title = 'Store info - Image Store Explorer';
  $('info-status').textContent = 'Loading…';
  try {
    const [info, root] = await Promise.all([api.info(), api.folderSize('')]);
    const row = (what, size, files) => el('tr', {}, el('th', { scope: 'row', text: what }),
      el('td', { class: 'num', title: size === '' ? null : `${count(size)} bytes`, text: size === '' ? '' : formatBytes(Number(size)) }),
      el('td', { class: 'num', text: files === '' ? '' : count(files) }));
    $('info-body').replaceChildren(
      row('Files in the store', root, ''),
      row('Capacity (account limit)', info.DiskInfo.Capacity, ''),
      row('Available', info.DiskInfo.AvailableSpace, ''),
      row('Used by metadata (session records)', info.UsedByMetadata.UsedSpace, info.UsedByMetadata.FileCount),
      row('Used by staging (open upload sessions)', info.UsedByStaging.UsedSpace, info.UsedByStaging.FileCount),
      row('Used by copy (files of applications)', info.UsedByCopy.UsedSpace, info.UsedByCopy.FileCount),
      row('Used by register', info.UsedByRegister.UsedSpace, info.UsedByRegister.FileCount));
    $('info-status').textContent = 'Read from /ImageStore/$/Info and $/FolderSize.';
  } catch (e) {
    $('info-status').textContent = 'The store info could not be read.';
    showError(e, 'Reading the store info');
  }
}

// --- Wiring -------------------------------------------------------------------------------------------------------
function wire() {
  $('error-close').addEventListener('click', clearError);
  $('upload-files').addEventListener('click', () => $('pick-files').click());
  $('upload-folder').addEventListener('click', () => $('pick-folder').click());
  $('refresh').addEventListener('click', () => route());
  for (const id of ['pick-files', 'pick-folder']) {
    $(id).addEventListener('change', e => {
      const picked = entriesOfInput(e.target.files);
      e.target.value = '';
      startUpload(id === 'pick-folder' ? picked : { files: picked.files, folders: [] });
    });
  }
  $('pause').addEventListener('click', () => state.batches.forEach(b => b.pause()));
  $('resume').addEventListener('click', () => state.batches.forEach(b => b.resume()));
  const zone = $('drop-zone');
  zone.addEventListener('dragover', e => {
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    zone.classList.add('dragging');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', async e => {
    e.preventDefault();
    zone.classList.remove('dragging');
    try {
      startUpload(await entriesOfDrop(e.dataTransfer));
    } catch (err) {
      showError(err, 'Reading the dropped files');
    }
  });
  window.addEventListener('hashchange', () => { clearError(); route(); });
  setInterval(() => { if (!$('browse-view').hidden) renderSessions(); }, 5000);
}

wire();
$('tree').append(treeNode('').li);
route();
