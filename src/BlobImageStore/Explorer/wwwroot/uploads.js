// Uploads as the CLI does them (src/BlobImageStore.Client/Uploads): files up to 4 MiB whole with UploadFile, larger
// ones through an upload session in parallel chunks, each with Content-MD5; a `_.dir` mark in every uploaded folder
// after all its files, deepest first. A journal in localStorage remembers this browser's sessions, so after a reload
// or a lost network the same files chosen again continue their sessions and send only the ExpectedRanges.
import * as api from './api.js';

const MiB = 1024 * 1024;
export const SESSION_THRESHOLD = 4 * MiB;
export const MARK_FILE = '_.dir';
const MAX_CHUNKS = 25000;
const MAX_CHUNK_SIZE = 100000000;
const PARALLEL_CHUNKS = 4;
const PARALLEL_SMALL_FILES = 4;
const MAX_RESYNCS = 8;
const MAX_ATTEMPTS = 10;
const JOURNAL_KEY = 'imagestore-explorer:uploads:v1';

// --- Chunk sizes: the same rules as ChunkSizing.cs --------------------------------------------------------------
export function minChunkSize(size) {
  return Math.max(1, Math.ceil(size / MAX_CHUNKS));
}

function roundUp(value, unit) {
  return Math.max(unit, Math.ceil(value / unit) * unit);
}

export function autoChunkSize(size) {
  const target = roundUp(Math.ceil(size / 1000), MiB);
  let chunk = Math.min(Math.max(target, 4 * MiB), 64 * MiB);
  chunk = Math.max(chunk, roundUp(minChunkSize(size), MiB));
  return Math.min(chunk, MAX_CHUNK_SIZE);
}

/** The chunks that send exactly the missing ranges (as ChunkPlanner.Plan); null when a gap is below the minimum chunk. */
export function planChunks(missing, size, chunkSize) {
  if (size === 0) return missing.length === 0 ? [] : [{ first: 0, last: 0 }];
  const min = minChunkSize(size);
  const chunks = [];
  for (const raw of [...missing].sort((a, b) => a.first - b.first)) {
    const first = Math.max(0, raw.first);
    const last = Math.min(size - 1, raw.last);
    if (last < first) continue;
    const endsFile = last === size - 1;
    if (last - first + 1 < min && !endsFile) return null;
    let position = first;
    while (position <= last) {
      const remaining = last - position + 1;
      if (remaining <= chunkSize) {
        chunks.push({ first: position, last });
        break;
      }
      let length = chunkSize;
      if (remaining - length < min && !endsFile) length = remaining <= MAX_CHUNK_SIZE ? remaining : Math.floor(remaining / 2);
      chunks.push({ first: position, last: position + length - 1 });
      position += length;
    }
  }
  return chunks;
}

export function receivedRanges(expected, size) {
  const received = [];
  let next = 0;
  for (const r of [...expected].sort((a, b) => a.first - b.first)) {
    if (r.first > next) received.push({ first: next, last: r.first - 1 });
    next = Math.max(next, r.last + 1);
  }
  if (next < size) received.push({ first: next, last: size - 1 });
  return received;
}

export function missingBytes(expected, size) {
  return size === 0 ? 0 : expected.reduce((n, r) => n + (r.last - r.first + 1), 0);
}

// --- The journal: this browser's own sessions, by store path ----------------------------------------------------
export const journal = {
  all() {
    try {
      return JSON.parse(localStorage.getItem(JOURNAL_KEY) || '{}');
    } catch {
      return {};
    }
  },
  get(path) {
    return this.all()[path] || null;
  },
  set(path, entry) {
    const all = this.all();
    all[path] = entry;
    localStorage.setItem(JOURNAL_KEY, JSON.stringify(all));
  },
  delete(path) {
    const all = this.all();
    delete all[path];
    localStorage.setItem(JOURNAL_KEY, JSON.stringify(all));
  },
};

function newSessionId() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map(x => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function md5Base64(buffer) {
  const raw = globalThis.SparkMD5.ArrayBuffer.hash(buffer, true); // binary string of the 16 digest bytes
  return btoa(raw);
}

class Paused extends Error {}

const delay = (ms, signal) => new Promise((resolve, reject) => {
  const t = setTimeout(resolve, ms);
  signal?.addEventListener('abort', () => { clearTimeout(t); reject(new Paused()); }, { once: true });
});

async function pool(items, parallelism, work) {
  let next = 0;
  const errors = [];
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      try {
        await work(item);
      } catch (e) {
        errors.push(e);
        if (!(e instanceof Paused)) next = items.length; // stop scheduling after a real failure
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallelism, items.length) }, worker));
  const real = errors.find(e => !(e instanceof Paused));
  if (real) throw real;
  if (errors.length) throw errors[0];
}

/**
 * One batch of files dropped or picked into a folder. State changes are reported through onChange(); the UI reads
 * items, totals and rate.
 */
export class UploadBatch {
  constructor(targetFolder, entries, folders, onChange) {
    this.target = api.normalizePath(targetFolder);
    this.items = entries
      .filter(e => e.relativePath.split('/').pop() !== MARK_FILE)
      .map(e => ({
        path: api.joinPath(this.target, e.relativePath), file: e.file, size: e.file.size,
        confirmed: 0, sent: 0, state: 'queued', message: '', resumed: false, alreadyThere: 0,
      }));
    this.folders = folders.map(f => api.joinPath(this.target, f)).sort((a, b) => depth(b) - depth(a) || (a < b ? -1 : 1));
    this.onChange = onChange;
    this.paused = false;
    this.controller = new AbortController();
    this.waiters = [];
    this.samples = [];
    this.state = 'queued';
    this.error = null;
    this.marksWritten = 0;
  }

  /** What the user chose that holds this file: the top folder of a folder upload, or the file itself. */
  picked(item) {
    const relative = item.path.slice(this.target ? this.target.length + 1 : 0);
    return relative.includes('/') ? { kind: 'folder', name: relative.split('/')[0] } : { kind: 'file', name: relative };
  }

  get totalBytes() { return this.items.reduce((n, i) => n + i.size, 0); }
  get confirmedBytes() { return this.items.reduce((n, i) => n + i.confirmed, 0); }
  get doneFiles() { return this.items.filter(i => i.state === 'done').length; }

  /** Bytes per second over the last few seconds (confirmed by the server). */
  get rate() {
    const now = performance.now();
    const recent = this.samples.filter(s => now - s.t <= 5000);
    if (recent.length < 2) return 0;
    const first = recent[0];
    const last = recent[recent.length - 1];
    return last.t > first.t ? (last.bytes - first.bytes) * 1000 / (last.t - first.t) : 0;
  }

  changed() {
    this.samples.push({ t: performance.now(), bytes: this.confirmedBytes });
    if (this.samples.length > 200) this.samples.splice(0, 100);
    this.onChange(this);
  }

  pause() {
    if (this.paused || this.state !== 'running') return;
    this.paused = true;
    this.controller.abort();
    for (const i of this.items) if (i.state === 'uploading' || i.state === 'retrying') i.state = 'paused';
    this.changed();
  }

  resume() {
    if (!this.paused) return;
    this.paused = false;
    this.controller = new AbortController();
    for (const i of this.items) if (i.state === 'paused') i.state = 'uploading';
    this.waiters.splice(0).forEach(w => w());
    this.changed();
  }

  async whenRunning() {
    while (this.paused) await new Promise(resolve => this.waiters.push(resolve));
  }

  /** Runs the batch to its end; never throws (failures are in items and error). */
  async run() {
    this.state = 'running';
    this.changed();
    try {
      const small = this.items.filter(i => i.size <= SESSION_THRESHOLD);
      const large = this.items.filter(i => i.size > SESSION_THRESHOLD);
      await pool(small, PARALLEL_SMALL_FILES, item => this.guard(item, () => this.uploadWhole(item)));
      for (const item of large) await this.guard(item, () => this.uploadLarge(item));
      const failed = this.items.filter(i => i.state === 'failed');
      if (failed.length) throw failed[0].error;
      for (const folder of this.folders) {
        await this.withRetries(null, signal => api.uploadFile(api.joinPath(folder, MARK_FILE), new Blob([]), '1B2M2Y8AsgTpgAmY7PhCfg==', signal));
        this.marksWritten++;
      }
      this.state = 'done';
    } catch (e) {
      this.state = 'failed';
      this.error = e;
    }
    this.changed();
  }

  async guard(item, work) {
    try {
      await work();
      item.state = 'done';
      item.confirmed = item.size;
    } catch (e) {
      item.state = 'failed';
      item.error = e;
      item.message = e instanceof api.FabricError ? `${e.code}: ${e.message}` : String(e.message || e);
    }
    this.changed();
  }

  /** Runs one request, waiting out a pause and retrying network failures and 5xx/408/429 with backoff. */
  async withRetries(item, send) {
    for (let attempt = 1; ; attempt++) {
      await this.whenRunning();
      const signal = this.controller.signal;
      try {
        return await send(signal);
      } catch (e) {
        if (this.paused || e instanceof Paused || e?.name === 'AbortError') continue; // paused: wait, then again
        const transient = !(e instanceof api.FabricError) || e.status >= 500 || e.status === 408 || e.status === 429;
        if (transient && !navigator.onLine) {
          // Offline (Wi-Fi gone): wait for the network without spending attempts, then send again.
          if (item) {
            item.state = 'retrying';
            item.message = 'offline; waiting for the network';
            this.changed();
          }
          await new Promise(resolve => {
            window.addEventListener('online', resolve, { once: true });
            if (navigator.onLine) resolve();
          });
          if (item) {
            item.state = 'uploading';
            item.message = '';
          }
          attempt = 0;
          continue;
        }
        if (!transient || attempt >= MAX_ATTEMPTS) throw e;
        if (item) {
          item.state = 'retrying';
          item.message = `network trouble (${e.message}); attempt ${attempt + 1} of ${MAX_ATTEMPTS}`;
          this.changed();
        }
        try {
          await delay(Math.min(30000, 250 * 2 ** attempt), signal);
        } catch {
          // paused during the wait
        }
        if (item && item.state === 'retrying') {
          item.state = 'uploading';
          item.message = '';
        }
      }
    }
  }

  async uploadWhole(item) {
    item.state = 'uploading';
    this.changed();
    const buffer = await item.file.arrayBuffer();
    const md5 = md5Base64(buffer);
    await this.withRetries(item, signal => api.uploadFile(item.path, buffer, md5, signal));
    item.sent += item.size;
  }

  /** Finds this browser's open session on the path (same file: resume), or starts a new one. */
  async openSession(item, chunkSize) {
    const open = await this.withRetries(item, () => api.getSessionByPath(item.path));
    const entry = journal.get(item.path);
    const sameFile = entry && entry.size === item.size && entry.lastModified === item.file.lastModified && entry.name === item.file.name;
    if (open && entry && open.sessionId === entry.sessionId) {
      if (sameFile && open.size === item.size) {
        item.resumed = true;
        return { sessionId: open.sessionId, missing: open.expected };
      }
      await this.withRetries(item, () => api.deleteSession(open.sessionId)); // our session, but the file changed
    } else if (open) {
      throw new api.FabricError(409, 'FABRIC_E_UPLOAD_SESSION_ID_CONFLICT',
        `'${item.path}' has an open upload session (${open.sessionId}, ${open.size - missingBytes(open.expected, open.size)} of ${open.size} bytes received) ` +
        'that this browser did not start. Let its uploader finish, or delete it under "In-progress uploads", then upload again.');
    }
    const sessionId = newSessionId();
    // Written before the first chunk: a reload at any moment after this finds the session as ours.
    journal.set(item.path, {
      sessionId, size: item.size, lastModified: item.file.lastModified, name: item.file.name, chunkSize,
      folder: this.target, picked: this.picked(item), started: new Date().toISOString(),
    });
    return { sessionId, missing: [{ first: 0, last: Math.max(0, item.size - 1) }] };
  }

  async uploadLarge(item) {
    item.state = 'uploading';
    this.changed();
    const size = item.size;
    const chunkSize = autoChunkSize(size);
    let { sessionId, missing } = await this.openSession(item, chunkSize);
    item.sessionId = sessionId;
    item.alreadyThere = size - missingBytes(missing, size);
    item.confirmed = item.alreadyThere;
    this.changed();
    let restarted = false;
    for (let resyncs = 0; ; resyncs++) {
      const plan = planChunks(missing, size, chunkSize);
      if (plan === null) {
        if (restarted) throw new Error(`The session for '${item.path}' expects ranges no allowed chunk can send.`);
        await this.withRetries(item, () => api.deleteSession(sessionId));
        ({ sessionId, missing } = await this.openSession(item, chunkSize));
        item.sessionId = sessionId;
        item.confirmed = 0;
        restarted = true;
        continue;
      }
      let refused = false;
      await pool(plan, PARALLEL_CHUNKS, async range => {
        const buffer = await item.file.slice(range.first, range.last + 1).arrayBuffer();
        const md5 = md5Base64(buffer);
        try {
          await this.withRetries(item, signal => api.uploadChunk(item.path, sessionId, range.first, range.last, size, buffer, md5, signal));
        } catch (e) {
          if (e instanceof api.FabricError && e.code === 'FABRIC_E_UPLOAD_SESSION_RANGE_NOT_SATISFIABLE') {
            refused = true; // some of these bytes arrived another way: the ExpectedRanges say what is left
            return;
          }
          throw e;
        }
        item.sent += buffer.byteLength;
        item.confirmed += buffer.byteLength;
        this.changed();
      });
      if (!refused) {
        item.state = 'committing';
        this.changed();
        try {
          await this.withRetries(item, () => api.commitSession(sessionId));
          journal.delete(item.path);
          return;
        } catch (e) {
          if (!(e instanceof api.FabricError) || (e.status !== 400 && e.status !== 404)) throw e;
        }
        item.state = 'uploading';
      }
      if (resyncs >= MAX_RESYNCS) throw new Error(`The upload of '${item.path}' did not converge; choose the file again to resume.`);
      const status = await this.withRetries(item, () => api.getSession(sessionId));
      missing = status ? status.expected : [{ first: 0, last: Math.max(0, size - 1) }];
      item.confirmed = size - missingBytes(missing, size);
      this.changed();
    }
  }
}

function depth(path) {
  return path === '' ? 0 : path.split('/').length;
}

/** Files and folders of a drop: walks dropped folders (FileSystemEntry), keeping empty folders too. */
export async function entriesOfDrop(dataTransfer) {
  const files = [];
  const folders = new Set();
  const roots = [...dataTransfer.items].filter(i => i.kind === 'file').map(i => i.webkitGetAsEntry?.()).filter(Boolean);
  if (roots.length === 0) {
    return { files: [...dataTransfer.files].map(file => ({ file, relativePath: file.name })), folders: [] };
  }
  const walk = async (entry, prefix) => {
    if (entry.isFile) {
      const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
      files.push({ file, relativePath: prefix + entry.name });
      return;
    }
    const folder = prefix + entry.name;
    folders.add(folder);
    const reader = entry.createReader();
    for (;;) {
      const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
      if (batch.length === 0) break;
      for (const child of batch) await walk(child, folder + '/');
    }
  };
  for (const root of roots) await walk(root, '');
  return { files, folders: [...folders] };
}

/** Files and folders of an input (a folder picker sets webkitRelativePath on each file). */
export function entriesOfInput(fileList) {
  const files = [...fileList].map(file => ({ file, relativePath: file.webkitRelativePath || file.name }));
  const folders = new Set();
  for (const f of files) {
    const parts = f.relativePath.split('/');
    for (let i = 1; i < parts.length; i++) folders.add(parts.slice(0, i).join('/'));
  }
  return { files, folders: [...folders] };
}
