'use strict';
// push: a local PouchDB → the remote. N docs written locally (10 of them edited once, 5 deleted), one-shot
// replication; then every id is read back on the other side (native routes when --native is given): same rev,
// same fields, deleted ones gone.
const { localDb, remoteDb, otherSide, body, userFields, sameFields, run, log } = require('./lib');

run('push', async args => {
  const n = Number(args.docs || 100);
  const local = localDb();
  const remote = remoteDb(args.remote);
  const other = otherSide(args, remote);
  const docs = Array.from({ length: n }, (_, i) => ({ _id: `push-${String(i).padStart(4, '0')}`, ...body(i) }));
  const saved = await local.bulkDocs(docs);
  for (let i = 0; i < 10; i++) {
    await local.put({ _id: docs[i]._id, _rev: saved[i].rev, ...body(i, 200, { edited: true }) });
  }
  for (let i = 10; i < 15; i++) await local.remove(docs[i]._id, saved[i].rev);
  log('push: replicating', n, 'docs');
  const result = await local.replicate.to(remote);
  const expected = {};
  const all = await local.allDocs({ include_docs: true });
  for (const row of all.rows) expected[row.id] = { rev: row.value.rev, body: userFields(row.doc) };
  const mismatches = [];
  for (const [id, e] of Object.entries(expected)) {
    const got = await other.get(id);
    if (!got || got.rev !== e.rev || !sameFields(got.body, e.body))
      mismatches.push({ id, expected: e, got });
  }
  const deleted = docs.slice(10, 15).map(d => d._id);
  for (const id of deleted) {
    const got = await other.get(id);
    if (got) mismatches.push({ id, expected: 'deleted', got });
  }
  return {
    ok: result.ok && result.status === 'complete' && mismatches.length === 0,
    status: result.status, docs_written: result.docs_written, doc_write_failures: result.doc_write_failures,
    checked: Object.keys(expected).length + deleted.length, mismatches: mismatches.slice(0, 5),
    revs: Object.fromEntries(Object.entries(expected).map(([id, e]) => [id, e.rev])), deleted,
  };
});

