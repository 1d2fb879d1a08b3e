'use strict';
// Shared helpers of the scenario scripts: arguments, the local PouchDB in a temp dir, the remote database, the
// "other side" (who writes on the server: our native routes when --native is given, else the CouchDB API itself),
// polling, and the one JSON result line every script prints last on stdout.
const fs = require('fs');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
const PouchDB = require('pouchdb');

/** Parses `--name value` pairs (and bare `--flag`) from argv, with env fallbacks (POUCH_REMOTE, POUCH_NATIVE). */
function parseArgs(argv = process.argv.slice(2)) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    if (!argv[i].startsWith('--')) throw new Error(`unexpected argument ${argv[i]}`);
    const key = argv[i].slice(2);
    if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) args[key] = argv[++i];
    else args[key] = true;
  }
  args.remote = args.remote || process.env.POUCH_REMOTE;
  args.native = args.native || process.env.POUCH_NATIVE;
  if (!args.remote) throw new Error('--remote <database url> (or POUCH_REMOTE) is required, e.g. http://127.0.0.1:8800/couch/mydb');
  args.timeoutMs = Number(args['timeout-ms'] || 60000);
  return args;
}

/** A fresh local PouchDB (leveldb adapter) in its own temp dir; removed by cleanup(). */
const tempDirs = [];
function localDb(name = 'local') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pouch-scenario-'));
  tempDirs.push(dir);
  return new PouchDB(path.join(dir, name));
}

/** The remote database over HTTP; `fetch` may wrap the global fetch (the kill scenario gates requests). */
function remoteDb(url, extra = {}) {
  return new PouchDB(url, extra);
}

function cleanup() {
  for (const d of tempDirs) {
    try { fs.rmSync(d, { recursive: true, force: true }); } catch { /* best effort */ }
  }
}

function sha256(buf) {
  return crypto.createHash('sha256').update(buf).digest('hex');
}

/** Deterministic pseudo-random bytes (xorshift), so a test can say which bytes it expects. */
function bytes(n, seed) {
  const out = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** A ~`size`-byte document body. */
function body(i, size = 200, extra = {}) {
  const pad = 'x'.repeat(Math.max(0, size - 80));
  return { n: i, kind: i % 2 === 0 ? 'even' : 'odd', text: `document ${i} ${pad}`, ...extra };
}

async function until(what, fn, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) { last = e; }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await new Promise(r => setTimeout(r, 100));
  }
}

/** Strips PouchDB's reserved fields (and ours) so bodies compare across the two APIs. */
function userFields(doc) {
  const out = {};
  for (const [k, v] of Object.entries(doc || {})) {
    if (k.startsWith('_') || k === 'id' || k === 'rev') continue;
    out[k] = v;
  }
  return out;
}

/** Same user fields, whatever the key order. */
function sameFields(a, b) {
  const keys = new Set([...Object.keys(a || {}), ...Object.keys(b || {})]);
  for (const k of keys) if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) return false;
  return true;
}

async function httpJson(method, url, json) {
  const res = await fetch(url, {
    method,
    headers: json === undefined ? {} : { 'content-type': 'application/json' },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await res.text();
  let parsed;
  try { parsed = text ? JSON.parse(text) : null; } catch { parsed = text; }
  return { status: res.status, body: parsed };
}

/**
 * The server side of a scenario, written and read without PouchDB's replicator: through the mirror's native
 * routes (`--native http://host:port/db/{db}`, DESIGN §4/§8/§9) when given, otherwise through the CouchDB API of
 * the remote (pouchdb-server, to validate the scripts themselves).
 */
function otherSide(args, remote) {
  const native = args.native && args.native.replace(/\/$/, '');
  const enc = encodeURIComponent;
  if (native) {
    return {
      kind: 'native',
      async get(id) {
        const r = await httpJson('GET', `${native}/doc/${enc(id)}`);
        if (r.status === 404) return null;
        if (r.status !== 200) throw new Error(`GET ${native}/doc/${id} → ${r.status} ${JSON.stringify(r.body)}`);
        return { rev: r.body.rev, body: userFields(r.body), raw: r.body };
      },
      async put(id, fields, rev) {
        const r = await httpJson('PUT', `${native}/doc/${enc(id)}`, rev ? { ...fields, rev } : fields);
        if (r.status !== 201) throw new Error(`PUT ${native}/doc/${id} → ${r.status} ${JSON.stringify(r.body)}`);
        return r.body.rev;
      },
      async remove(id, rev) {
        const r = await httpJson('DELETE', `${native}/doc/${enc(id)}?rev=${enc(rev)}`);
        if (r.status !== 200) throw new Error(`DELETE ${native}/doc/${id} → ${r.status} ${JSON.stringify(r.body)}`);
        return r.body.rev;
      },
      async putAttachment(id, rev, name, buf, type) {
        const res = await fetch(`${native}/doc/${enc(id)}/att/${enc(name)}?rev=${enc(rev)}`,
          { method: 'PUT', headers: { 'content-type': type }, body: buf });
        const text = await res.text();
        if (res.status !== 201) throw new Error(`PUT ${native}/doc/${id}/att/${name} → ${res.status} ${text}`);
        return JSON.parse(text).rev;
      },
      async getAttachment(id, name) {
        const res = await fetch(`${native}/doc/${enc(id)}/att/${enc(name)}`);
        if (res.status !== 200) throw new Error(`GET ${native}/doc/${id}/att/${name} → ${res.status} ${await res.text()}`);
        return Buffer.from(await res.arrayBuffer());
      },
      /** Winner and live losing revisions (GET /db/{db}/conflicts/{id}). */
      async conflicts(id) {
        const r = await httpJson('GET', `${native}/conflicts/${enc(id)}`);
        if (r.status !== 200) throw new Error(`GET ${native}/conflicts/${id} → ${r.status} ${JSON.stringify(r.body)}`);
        return { winner: r.body.rev, conflicts: (r.body.conflicts || []).map(c => c.rev).sort() };
      },
    };
  }
  return {
    kind: 'couch',
    async get(id) {
      try {
        const d = await remote.get(id);
        return { rev: d._rev, body: userFields(d), raw: d };
      } catch (e) {
        if (e.status === 404) return null;
        throw e;
      }
    },
    async put(id, fields, rev) { return (await remote.put({ _id: id, ...(rev ? { _rev: rev } : {}), ...fields })).rev; },
    async remove(id, rev) { return (await remote.remove(id, rev)).rev; },
    async putAttachment(id, rev, name, buf, type) { return (await remote.putAttachment(id, name, rev, buf, type)).rev; },
    async getAttachment(id, name) { return remote.getAttachment(id, name); },
    async conflicts(id) {
      const d = await remote.get(id, { conflicts: true });
      return { winner: d._rev, conflicts: (d._conflicts || []).slice().sort() };
    },
  };
}

/** Prints the result line (last line on stdout) and exits 0 when ok, 1 otherwise. */
function finish(result) {
  cleanup();
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(result.ok ? 0 : 1);
}

/** Runs a scenario: its result object (ok computed by the scenario), or {ok:false,error} on an exception. */
function run(scenario, fn) {
  const args = parseArgs();
  const started = Date.now();
  const timer = setTimeout(() => finish({ scenario, ok: false, error: `scenario timed out after ${args.timeoutMs} ms` }),
    args.timeoutMs + 5000);
  fn(args).then(
    r => { clearTimeout(timer); finish({ scenario, ms: Date.now() - started, ...r }); },
    e => {
      clearTimeout(timer);
      finish({ scenario, ok: false, ms: Date.now() - started, error: `${e.name || 'Error'}: ${e.message}`, status: e.status, stack: e.stack });
    });
}

function log(...parts) {
  process.stderr.write(`[${new Date().toISOString()}] ${parts.join(' ')}\n`);
}

module.exports = { PouchDB, parseArgs, localDb, remoteDb, cleanup, sha256, bytes, body, until, userFields, sameFields, httpJson, otherSide, finish, run, log };
