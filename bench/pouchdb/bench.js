'use strict';
// PouchDB 9.0.0 -> express-pouchdb 4.2.0 baseline for bench/MyNoSql.SyncBench (../shared/ANCHORS.md "Sync").
// The same documents (a JSONL file written by the .NET harness) and the same phases as the MyNoSql run:
//   initial push A -> server, initial pull server -> empty B, 1% of A's docs changed then pushed, pulled into B,
//   a no-change push (A) and a no-change pull (B).
// Bytes are counted at the server's sockets (bytesRead = up, bytesWritten = down: headers and bodies as sent,
// gzip where express-pouchdb compresses). Progress lines go to stderr; the result is JSON written to --out.
//
// usage: node bench.js --docs FILE.jsonl --changed FILE.jsonl --work DIR --out RESULT.json [--stepped]
// --stepped: phase by phase, side by side with the .NET harness: prints "ready" on stdout after the setup, then
// waits for a line on stdin before each phase and prints the phase's result as one JSON line on stdout.

const fs = require('fs');
const path = require('path');
const readline = require('readline');
const express = require('express');
const PouchDB = require('pouchdb');

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const docsFile = arg('--docs');
const changedFile = arg('--changed');
const work = arg('--work');
const out = arg('--out');
const stepped = process.argv.includes('--stepped');
if (!docsFile || !work || !out || !changedFile) {
  console.error('usage: node bench.js --docs FILE.jsonl --changed FILE.jsonl --work DIR --out RESULT.json');
  process.exit(2);
}
fs.mkdirSync(work, { recursive: true });
const t0 = Date.now();
const say = (s) => console.error(`[pouchdb ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${s}`);

// Lines of {"id": ..., ...body}: the id becomes _id, the rest is the document body (as MyNoSql stores it).
async function readDocs(file) {
  const docs = [];
  const rl = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line) continue;
    const o = JSON.parse(line);
    const { id, ...body } = o;
    docs.push({ _id: id, ...body });
  }
  return docs;
}

async function main() {
  const serverDir = path.join(work, 'server') + path.sep;
  fs.mkdirSync(serverDir, { recursive: true });
  const ServerPouch = PouchDB.defaults({ prefix: serverDir });
  const app = express();
  app.use('/', require('express-pouchdb')(ServerPouch, {
    mode: 'minimumForPouchDB',
    inMemoryConfig: true,
    logPath: path.join(work, 'express-pouchdb.log'),
  }));

  // Every socket the server ever accepted; bytesRead/bytesWritten stay readable after a socket closes.
  const sockets = [];
  let requests = 0;
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  server.on('connection', (s) => sockets.push(s));
  server.on('request', () => { requests++; });
  const port = server.address().port;
  const wire = () => ({
    up: sockets.reduce((n, s) => n + s.bytesRead, 0),
    down: sockets.reduce((n, s) => n + s.bytesWritten, 0),
    requests,
  });
  say(`express-pouchdb on 127.0.0.1:${port}`);

  const docs = await readDocs(docsFile);
  const changed = await readDocs(changedFile);
  say(`${docs.length} docs, ${changed.length} to change`);

  const a = new PouchDB(path.join(work, 'a'));
  const b = new PouchDB(path.join(work, 'b'));
  const remoteUrl = `http://127.0.0.1:${port}/syncbench`;
  const remote = new PouchDB(remoteUrl);
  await remote.info(); // creates the database on the server (not measured)

  // A saves every document offline (not measured, as on the MyNoSql side).
  let s = Date.now();
  for (let i = 0; i < docs.length; i += 1000) await a.bulkDocs(docs.slice(i, i + 1000));
  say(`A saved ${docs.length} docs locally in ${((Date.now() - s) / 1000).toFixed(1)} s`);

  // Stepped mode: each phase starts when the harness writes a line on stdin.
  const lines = [];
  const waiting = [];
  if (stepped) {
    readline.createInterface({ input: process.stdin }).on('line', (line) => {
      if (waiting.length > 0) waiting.shift()(line); else lines.push(line);
    });
  }
  const go = () => (!stepped ? Promise.resolve() : lines.length > 0 ? Promise.resolve(lines.shift()) : new Promise((resolve) => waiting.push(resolve)));
  if (stepped) console.log('ready');

  const phases = [];
  async function phase(name, run, prepare) {
    await go();
    if (prepare) await prepare(); // not measured
    const before = wire();
    let written = 0;
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    const timer = setInterval(() => say(`${name}: ${written} docs written so far`), 5000);
    let result;
    try {
      result = await run((info) => { written = info.docs_written; });
    } finally {
      clearInterval(timer);
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const after = wire();
    const used = process.cpuUsage(cpu);
    const p = {
      name, seconds, cpuSeconds: (used.user + used.system) / 1e6,
      up: after.up - before.up, down: after.down - before.down, requests: after.requests - before.requests,
      docsWritten: result.docs_written, docsRead: result.docs_read,
    };
    phases.push(p);
    if (stepped) console.log(JSON.stringify(p));
    say(`${name}: ${seconds.toFixed(3)} s, ${p.up} B up, ${p.down} B down, ${p.requests} requests, ${p.docsWritten} docs written; CPU ${p.cpuSeconds.toFixed(2)} s (client and server)`);
  }
  const push = (from, to) => (onChange) => PouchDB.replicate(from, to).on('change', onChange);
  const pull = push;

  await phase('initial push', push(a, remote));
  await phase('initial pull', pull(remote, b));

  // 1% changed on A: the same new bodies as the MyNoSql run, each on top of A's current revision.
  const change = async () => {
    const current = await a.allDocs({ keys: changed.map((d) => d._id) });
    const updates = changed.map((d, i) => ({ ...d, _rev: current.rows[i].value.rev }));
    for (let i = 0; i < updates.length; i += 1000) await a.bulkDocs(updates.slice(i, i + 1000));
    say(`A changed ${updates.length} docs locally`);
  };
  await phase('1% push', push(a, remote), change);
  await phase('1% pull', pull(remote, b));
  await phase('no-change push', push(a, remote));
  await phase('no-change pull', pull(remote, b));

  const count = (await b.info()).doc_count;
  const probe = await b.get(changed[0]._id);
  const ok = count === docs.length && probe._rev.startsWith('2-');
  say(`B holds ${count} docs; ${changed[0]._id} at ${probe._rev}`);

  fs.writeFileSync(out, JSON.stringify({
    engine: 'PouchDB 9.0.0 (LevelDB) -> express-pouchdb 4.2.0 (LevelDB)',
    node: process.version,
    docs: docs.length, changed: changed.length, verified: ok, phases,
  }, null, 2));
  for (const sock of sockets) sock.destroy();
  await new Promise((resolve) => server.close(resolve));
  await a.close(); await b.close();
  process.exit(ok ? 0 : 1);
}

main().catch((e) => { console.error(e); process.exit(1); });
