'use strict';
// attachments: a PouchDB doc with a text and a 64 KB binary attachment is pushed and read back on the other side
// (native GET /db/{db}/doc/{id}/att/{name} when --native is given); the doc is then edited in PouchDB without
// touching its attachments (they travel as stubs) and pushed again; a doc with an attachment written on the other
// side is pulled and read from PouchDB. Bytes are compared by SHA-256.
const { localDb, remoteDb, otherSide, sha256, bytes, run, log } = require('./lib');

run('attachments', async args => {
  const remote = remoteDb(args.remote);
  await remote.info();
  const other = otherSide(args, remote);
  const local = localDb();
  const text = Buffer.from('hello from PouchDB\n', 'utf8');
  const blob = bytes(64 * 1024, 42);
  const r1 = await local.put({
    _id: 'att-pouch', kind: 'pouch',
    _attachments: {
      'hello.txt': { content_type: 'text/plain', data: text.toString('base64') },
      'blob.bin': { content_type: 'application/octet-stream', data: blob.toString('base64') },
    },
  });
  const push1 = await local.replicate.to(remote);
  const failures = [];
  const pushed = {};
  for (const [name, buf] of [['hello.txt', text], ['blob.bin', blob]]) {
    const got = await other.getAttachment('att-pouch', name);
    pushed[name] = { sha256: sha256(got), length: got.length };
    if (sha256(got) !== sha256(buf)) failures.push(`pushed ${name}: ${got.length} bytes, sha256 ${sha256(got)} ≠ ${sha256(buf)}`);
  }

  // An edit that keeps the attachments as stubs.
  const doc = await local.get('att-pouch');
  const r2 = await local.put({ ...doc, kind: 'pouch edited' });
  const push2 = await local.replicate.to(remote);
  const onServer = await other.get('att-pouch');
  if (!onServer || onServer.rev !== r2.rev) failures.push(`edited doc on the server: ${JSON.stringify(onServer && onServer.rev)} ≠ ${r2.rev}`);
  const again = await other.getAttachment('att-pouch', 'blob.bin');
  if (sha256(again) !== sha256(blob)) failures.push('blob.bin changed after a stub-only edit');

  // The reverse: an attachment written on the other side, pulled into PouchDB.
  const serverBytes = bytes(50000, 7);
  const sRev0 = await other.put('att-server', { kind: 'server' });
  const sRev = await other.putAttachment('att-server', sRev0, 'server.bin', serverBytes, 'application/octet-stream');
  const pull = await local.replicate.from(remote);
  const pulledDoc = await local.get('att-server');
  const pulledBytes = await local.getAttachment('att-server', 'server.bin');
  const pulled = { rev: pulledDoc._rev, sha256: sha256(pulledBytes), length: pulledBytes.length, stub: pulledDoc._attachments['server.bin'] };
  if (pulledDoc._rev !== sRev) failures.push(`pulled rev ${pulledDoc._rev} ≠ ${sRev}`);
  if (pulled.sha256 !== sha256(serverBytes)) failures.push(`pulled server.bin: ${pulled.length} bytes, sha256 ${pulled.sha256}`);
  if (pulled.stub.content_type !== 'application/octet-stream') failures.push(`pulled content_type ${pulled.stub.content_type}`);

  log('attachments:', failures.length ? failures.join('; ') : 'every byte where it should be');
  return {
    ok: failures.length === 0 && [push1, push2, pull].every(r => r.ok && r.status === 'complete'),
    pouch_revs: [r1.rev, r2.rev], pushed, pulled, expected: { 'hello.txt': sha256(text), 'blob.bin': sha256(blob), 'server.bin': sha256(serverBytes) },
    failures,
  };
});
