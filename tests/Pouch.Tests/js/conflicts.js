'use strict';
// conflicts: docs created in PouchDB and pushed, then edited concurrently on both sides (the other side through
// the native routes when --native is given), then synced both ways. Every doc must end with the same winner and
// the same live losers on PouchDB and on the server, and the winner must be CouchDB's: a live leaf beats a
// deleted one, then the higher generation, then the larger hash.
//   c1: 2-local vs 2-server (hash decides)   c2: 3-local deleted vs 2-server live (live wins)
//   c3: 3-local vs 2-server (generation)     c4: 2-local live vs 2-server deleted (live wins)
const { localDb, remoteDb, otherSide, run, log } = require('./lib');

run('conflicts', async args => {
  const remote = remoteDb(args.remote);
  await remote.info();
  const other = otherSide(args, remote);
  const local = localDb();
  const ids = ['c1', 'c2', 'c3', 'c4'];
  const first = {};
  for (const id of ids) first[id] = (await local.put({ _id: id, v: 'first' })).rev;
  const p0 = await local.replicate.to(remote);

  const localLeaf = {}, serverLeaf = {};
  localLeaf.c1 = (await local.put({ _id: 'c1', _rev: first.c1, v: 'pouch' })).rev;
  serverLeaf.c1 = await other.put('c1', { v: 'server' }, first.c1);
  const c2a = (await local.put({ _id: 'c2', _rev: first.c2, v: 'pouch' })).rev;
  localLeaf.c2 = (await local.remove('c2', c2a)).rev;
  serverLeaf.c2 = await other.put('c2', { v: 'server' }, first.c2);
  const c3a = (await local.put({ _id: 'c3', _rev: first.c3, v: 'pouch' })).rev;
  localLeaf.c3 = (await local.put({ _id: 'c3', _rev: c3a, v: 'pouch again' })).rev;
  serverLeaf.c3 = await other.put('c3', { v: 'server' }, first.c3);
  localLeaf.c4 = (await local.put({ _id: 'c4', _rev: first.c4, v: 'pouch' })).rev;
  serverLeaf.c4 = await other.remove('c4', first.c4);

  const sync = await local.sync(remote);
  const hash = r => r.split('-')[1];
  const larger = (a, b) => (hash(a) > hash(b) ? a : b);
  const want = {
    c1: larger(localLeaf.c1, serverLeaf.c1),
    c2: serverLeaf.c2,
    c3: localLeaf.c3,
    c4: localLeaf.c4,
  };
  const wantConflicts = { c1: [localLeaf.c1, serverLeaf.c1].filter(r => r !== want.c1), c2: [], c3: [serverLeaf.c3], c4: [] };
  const docs = {};
  const failures = [];
  for (const id of ids) {
    const p = await local.get(id, { conflicts: true });
    const s = await other.conflicts(id);
    const pouch = { winner: p._rev, conflicts: (p._conflicts || []).slice().sort() };
    docs[id] = { pouch, server: s, expected: { winner: want[id], conflicts: wantConflicts[id] } };
    const same = (a, b) => a.winner === b.winner && JSON.stringify(a.conflicts) === JSON.stringify(b.conflicts);
    if (!same(pouch, docs[id].expected)) failures.push(`${id}: PouchDB ${JSON.stringify(pouch)} ≠ expected ${JSON.stringify(docs[id].expected)}`);
    if (!same(s, docs[id].expected)) failures.push(`${id}: server ${JSON.stringify(s)} ≠ expected ${JSON.stringify(docs[id].expected)}`);
  }
  log('conflicts:', failures.length ? failures.join('; ') : 'one winner everywhere');
  return {
    ok: failures.length === 0 && p0.ok && sync.push.ok && sync.pull.ok,
    pushed: sync.push.docs_written, pulled: sync.pull.docs_read, docs, failures,
  };
});
