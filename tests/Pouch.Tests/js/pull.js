'use strict';
// pull: the remote → a local PouchDB. The other side (native routes when --native is given) writes N docs, edits
// 5 and deletes 5; a one-shot replication brings exactly the live ones, with the revs the server reports.
const { localDb, remoteDb, otherSide, body, userFields, sameFields, run, log } = require('./lib');

run('pull', async args => {
  const n = Number(args.docs || 100);
  const remote = remoteDb(args.remote);
  await remote.info(); // creates the database when it does not exist (PouchDB's http adapter setup)
  const other = otherSide(args, remote);
  const expected = {};
  const ids = Array.from({ length: n }, (_, i) => `pull-${String(i).padStart(4, '0')}`);
  for (let i = 0; i < n; i++) expected[ids[i]] = { rev: await other.put(ids[i], body(i)), body: body(i) };
  for (let i = 0; i < 5; i++) {
    const b = body(i, 200, { edited: true });
    expected[ids[i]] = { rev: await other.put(ids[i], b, expected[ids[i]].rev), body: b };
  }
  const deleted = ids.slice(5, 10);
  for (const id of deleted) { await other.remove(id, expected[id].rev); delete expected[id]; }
  log('pull: replicating', n, 'docs written by the', other.kind, 'side');
  const local = localDb();
  const result = await local.replicate.from(remote);
  const all = await local.allDocs({ include_docs: true });
  const got = Object.fromEntries(all.rows.map(r => [r.id, { rev: r.value.rev, body: userFields(r.doc) }]));
  const mismatches = [];
  for (const [id, e] of Object.entries(expected)) {
    const g = got[id];
    if (!g || g.rev !== e.rev || !sameFields(g.body, e.body)) mismatches.push({ id, expected: e, got: g });
  }
  for (const id of Object.keys(got)) if (!(id in expected)) mismatches.push({ id, unexpected: got[id] });
  return {
    ok: result.ok && result.status === 'complete' && mismatches.length === 0,
    status: result.status, docs_read: result.docs_read, local_docs: all.rows.length,
    mismatches: mismatches.slice(0, 5),
  };
});

