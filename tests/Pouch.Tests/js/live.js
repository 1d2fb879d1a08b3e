'use strict';
// live sync: continuous replication both ways (sync live+retry). A write on the local PouchDB shows up on the
// other side (native routes when --native is given), and a write on the other side shows up locally — twice each
// (a create and an edit), while the same sync stays up.
const { localDb, remoteDb, otherSide, until, run, log } = require('./lib');

run('live', async args => {
  const remote = remoteDb(args.remote);
  await remote.info();
  const other = otherSide(args, remote);
  const local = localDb();
  const errors = [];
  const sync = local.sync(remote, { live: true, retry: true, back_off_function: () => 500 });
  sync.on('error', e => errors.push(String(e && e.message)));
  const timeout = args.timeoutMs / 4;
  const timings = {};
  try {
    let t = Date.now();
    const a = await local.put({ _id: 'live-from-pouch', says: 'hello from PouchDB' });
    await until('the local write on the other side', async () => (await other.get('live-from-pouch'))?.rev === a.rev, timeout);
    timings.pouch_to_server_ms = Date.now() - t;

    t = Date.now();
    const r1 = await other.put('live-from-server', { says: 'hello from the server' });
    await until('the server write in the local PouchDB', async () => (await local.get('live-from-server').catch(() => null))?._rev === r1, timeout);
    timings.server_to_pouch_ms = Date.now() - t;

    t = Date.now();
    const a2 = await local.put({ _id: 'live-from-pouch', _rev: a.rev, says: 'edited in PouchDB' });
    const r2 = await other.put('live-from-server', { says: 'edited on the server' }, r1);
    await until('both edits on both sides', async () => {
      const onServer = await other.get('live-from-pouch');
      const onPouch = await local.get('live-from-server').catch(() => null);
      return onServer?.rev === a2.rev && onServer.body.says === 'edited in PouchDB' &&
        onPouch?._rev === r2 && onPouch.says === 'edited on the server';
    }, timeout);
    timings.edits_both_ways_ms = Date.now() - t;
    log('live:', JSON.stringify(timings));
    return { ok: errors.length === 0, ...timings, errors };
  } finally {
    sync.cancel();
  }
});
