'use strict';
// killed mid-replication: a one-shot push of N ~1 KB docs with retry:true. After the first _bulk_docs batch is
// stored, the script prints {"event":"held"} and holds every further request until a line "go" arrives on stdin;
// the driver (tests/Pouch.Tests) SIGKILLs the server, sends "go", and restarts it. The held requests then fail,
// PouchDB backs off and retries, and the replication must complete once the server is back: every doc on the
// other side with PouchDB's rev. Without a driver (stdin closed or not a pipe), "go" is implied after 1 s.
const readline = require('readline');
const { localDb, remoteDb, otherSide, body, run, log } = require('./lib');

run('kill', async args => {
  const n = Number(args.docs || 500);
  let gate = null;            // a promise while requests are held
  let release = () => {};
  let held = false;
  let storedBatches = 0, failedRequests = 0, retries = 0;
  const gated = async (url, opts) => {
    if (gate) await gate;
    try {
      const res = await fetch(url, opts);
      if (res.status >= 500) failedRequests++;
      if (!held && String(url).includes('/_bulk_docs') && res.status === 201) {
        storedBatches++;
        held = true;
        gate = new Promise(r => { release = r; });
        process.stdout.write(JSON.stringify({ event: 'held', stored_batches: storedBatches }) + '\n');
        log('kill: first batch stored; holding requests until "go"');
        waitForGo().then(() => { log('kill: go'); const r = release; gate = null; r(); });
      } else if (String(url).includes('/_bulk_docs') && res.status === 201) storedBatches++;
      return res;
    } catch (e) {
      failedRequests++;
      throw e;
    }
  };
  const remote = remoteDb(args.remote, { fetch: gated });
  const local = localDb();
  const docs = Array.from({ length: n }, (_, i) => ({ _id: `kill-${String(i).padStart(5, '0')}`, ...body(i, 1000) }));
  const saved = await local.bulkDocs(docs);
  const rep = local.replicate.to(remote, {
    batch_size: 50, retry: true,
    back_off_function: () => { retries++; return 300; },
  });
  const result = await new Promise((resolve, reject) => {
    rep.on('complete', resolve);
    rep.on('error', reject);
  });
  log('kill: complete after', retries, 'retries,', failedRequests, 'failed requests');
  const other = otherSide(args, remoteDb(args.remote));
  const missing = [];
  for (let i = 0; i < n; i++) {
    const got = await other.get(docs[i]._id);
    if (!got || got.rev !== saved[i].rev) missing.push({ id: docs[i]._id, got: got && got.rev, want: saved[i].rev });
  }
  return {
    ok: result.ok && result.status === 'complete' && missing.length === 0 && retries > 0,
    status: result.status, docs: n, docs_written: result.docs_written, stored_batches: storedBatches,
    retries, failed_requests: failedRequests, missing: missing.length, first_missing: missing.slice(0, 3),
  };
});

function waitForGo() {
  return new Promise(resolve => {
    if (process.stdin.isTTY) { setTimeout(resolve, 1000); return; }
    const rl = readline.createInterface({ input: process.stdin });
    rl.on('line', line => { if (line.trim() === 'go') { rl.close(); resolve(); } });
    rl.on('close', resolve);
  });
}
