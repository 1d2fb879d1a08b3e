'use strict';
// reserved: names each side reserves (src/Silo/Couch/README.md "Mapping", "Ids starting with _"); mirror only (needs
// --native). Records written natively with user fields named _foo, _id, _deleted, … and with ids starting with _ are
// pulled by PouchDB: the pull completes, every other record arrives with those fields escaped (~_foo) and the _ ids are
// not there. An edit made in PouchDB, and a PouchDB doc with fields id/rev, are pushed back: natively the record has
// its _ fields again, the id/rev fields as ~id/~rev.
const { localDb, remoteDb, otherSide, run, log } = require('./lib');

run('reserved', async args => {
  if (!args.native) throw new Error('the reserved scenario needs --native (it writes records PouchDB cannot write)');
  const remote = remoteDb(args.remote);
  await remote.info();
  const other = otherSide(args, remote);
  const fields = { a: 1, _foo: 1, _id: 'zzz', _rev: '9-abc', _deleted: true, _revisions: { start: 5, ids: ['a', 'b'] }, _conflicts: ['1-x'], '~id': 'u', x: 1 };
  await other.put('fields', fields);
  await other.put('plain', { n: 1 });
  for (const id of ['_under', '_design/foo', '_local/foo']) await other.put(id, { hidden: true });
  log('reserved: pulling');
  const local = localDb();
  const pull = await local.replicate.from(remote);
  const ids = (await local.allDocs()).rows.map(r => r.id);
  const got = await local.get('fields');
  const escaped = { a: 1, '~_foo': 1, '~_id': 'zzz', '~_rev': '9-abc', '~_deleted': true, '~_revisions': { start: 5, ids: ['a', 'b'] }, '~_conflicts': ['1-x'], id: 'u', x: 1 };
  const shown = Object.fromEntries(Object.entries(got).filter(([k]) => k !== '_id' && k !== '_rev'));
  const pulledOk = pull.status === 'complete' && JSON.stringify(ids) === '["fields","plain"]' && JSON.stringify(shown) === JSON.stringify(escaped);

  log('reserved: pushing back');
  got.x = 2;
  await local.put(got);
  await local.put({ _id: 'app', id: 'app-id', rev: 3, n: 2 });
  const push = await local.replicate.to(remote);
  const back = (await other.get('fields')).raw;
  const app = (await other.get('app')).raw;
  const backFields = Object.fromEntries(Object.entries(back).filter(([k]) => k !== 'id' && k !== 'rev'));
  const pushedOk = push.status === 'complete' && push.doc_write_failures === 0
    && JSON.stringify(backFields) === JSON.stringify({ ...fields, x: 2 })
    && app['~id'] === 'app-id' && app['~rev'] === 3 && app.n === 2;
  return { ok: pulledOk && pushedOk, pull: { status: pull.status, docs_written: pull.docs_written, ids, shown }, push: { status: push.status, failures: push.doc_write_failures, back, app } };
});
