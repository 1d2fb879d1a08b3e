'use strict';
// PouchDB 9 push and pull of N ~1 KB docs with each target, same run: a mirror's /couch/ and pouchdb-server 4.2.
// Usage: node bench.js --target mirror=http://127.0.0.1:8800/couch --target pouchdb-server=http://127.0.0.1:5984
//                      [--docs 10000] [--out results.json]
// Each target gets a fresh database: push (local leveldb → target, replicate.to with PouchDB's defaults), then pull
// (the target → a fresh local leveldb, replicate.from). Targets alternate per phase so drift in machine load hits
// both. Progress goes to stderr; a table to stdout; JSON to --out.
const fs = require('fs');
const os = require('os');
const path = require('path');
const PouchDB = require('pouchdb');

const args = { targets: [], docs: 10000, out: null };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--target') { const [name, url] = argv[++i].split(/=(.*)/s); args.targets.push({ name, url: url.replace(/\/$/, '') }); }
  else if (argv[i] === '--docs') args.docs = Number(argv[++i]);
  else if (argv[i] === '--out') args.out = argv[++i];
  else throw new Error(`unknown argument ${argv[i]}`);
}
if (args.targets.length === 0) throw new Error('give at least one --target name=url');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pouch-bench-'));
const log = (...p) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${p.join(' ')}\n`);
const pad = 'x'.repeat(900);
const doc = i => ({ _id: `doc-${String(i).padStart(7, '0')}`, n: i, kind: i % 7, text: `document ${i} ${pad}` });

async function timed(label, total, rep) {
  const t0 = process.hrtime.bigint();
  let next = total / 10, done = 0;
  rep.on('change', info => {
    done = info.docs_written || info.docs_read || done;
    if (done >= next) { log(`  ${label}: ${done}/${total}`); next += total / 10; }
  });
  const result = await rep;
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (!result.ok || result.status !== 'complete' || result.doc_write_failures) throw new Error(`${label}: ${JSON.stringify(result)}`);
  return s;
}

(async () => {
  const n = args.docs;
  log(`filling the local source with ${n} docs (~1 KB each)…`);
  const source = new PouchDB(path.join(tmp, 'source'));
  for (let i = 0; i < n; i += 1000) await source.bulkDocs(Array.from({ length: Math.min(1000, n - i) }, (_, k) => doc(i + k)));
  const stamp = Date.now().toString(36);
  const results = {};
  for (const t of args.targets) results[t.name] = { url: t.url, db: `bench-${stamp}-${t.name.replace(/[^a-z0-9]/g, '')}` };
  for (const t of args.targets) {
    const r = results[t.name];
    log(`push ${n} docs → ${t.name} (${t.url}/${r.db})`);
    r.push_s = await timed(`push ${t.name}`, n, source.replicate.to(new PouchDB(`${t.url}/${r.db}`)));
    log(`  push ${t.name}: ${r.push_s.toFixed(1)} s, ${Math.round(n / r.push_s)} docs/s`);
  }
  for (const t of args.targets) {
    const r = results[t.name];
    log(`pull ${n} docs ← ${t.name}`);
    const target = new PouchDB(path.join(tmp, `pull-${t.name.replace(/[^a-z0-9]/g, '')}`));
    r.pull_s = await timed(`pull ${t.name}`, n, target.replicate.from(new PouchDB(`${t.url}/${r.db}`)));
    const count = (await target.info()).doc_count;
    if (count !== n) throw new Error(`pull ${t.name}: ${count} docs locally, expected ${n}`);
    log(`  pull ${t.name}: ${r.pull_s.toFixed(1)} s, ${Math.round(n / r.pull_s)} docs/s`);
  }
  for (const r of Object.values(results)) {
    r.push_docs_per_s = Math.round(n / r.push_s);
    r.pull_docs_per_s = Math.round(n / r.pull_s);
  }
  const base = results[args.targets[args.targets.length - 1].name];
  console.log(`\nPouchDB ${PouchDB.version}, ${n} docs of ~1 KB, load ${os.loadavg().map(l => l.toFixed(1)).join(' ')}`);
  console.log('| target | push s | push docs/s | pull s | pull docs/s | push ×base | pull ×base |');
  console.log('|---|---|---|---|---|---|---|');
  for (const t of args.targets) {
    const r = results[t.name];
    console.log(`| ${t.name} | ${r.push_s.toFixed(1)} | ${r.push_docs_per_s} | ${r.pull_s.toFixed(1)} | ${r.pull_docs_per_s} | ` +
      `${(r.push_docs_per_s / base.push_docs_per_s).toFixed(2)} | ${(r.pull_docs_per_s / base.pull_docs_per_s).toFixed(2)} |`);
  }
  const report = { when: new Date().toISOString(), pouchdb: PouchDB.version, docs: n, doc_bytes: JSON.stringify(doc(0)).length,
    loadavg: os.loadavg(), baseline: args.targets[args.targets.length - 1].name, results };
  if (args.out) { fs.writeFileSync(args.out, JSON.stringify(report, null, 2) + '\n'); log(`wrote ${args.out}`); }
  fs.rmSync(tmp, { recursive: true, force: true });
})().catch(e => { log(`bench failed: ${e.stack || e}`); fs.rmSync(tmp, { recursive: true, force: true }); process.exit(1); });
