'use strict';
// Stand-in for PouchDB's in-repo `pouchdb-for-coverage` package (tests/integration/utils.js requires it for a few
// utilities): the released PouchDB 9.0.0 plus the same utilities from the published 9.0.0 packages.
const PouchDB = require('pouchdb');
const utils = require('pouchdb-utils');
const binary = require('pouchdb-binary-utils');
const errors = require('pouchdb-errors');
const merge = require('pouchdb-merge');

PouchDB.utils = {
  blob: binary.blob,
  parseUri: utils.parseUri,
  uuid: utils.uuid,
  rev: utils.rev,
  atob: binary.atob,
  btoa: binary.btoa,
  binaryStringToBlobOrBuffer: binary.binaryStringToBlobOrBuffer,
  clone: utils.clone,
  createError: errors.createError,
  generateErrorFromResponse: errors.generateErrorFromResponse,
  generateReplicationId: require('pouchdb-generate-replication-id'),
  once: utils.once,
  merge: merge.merge,
  winningRev: merge.winningRev,
  upsert: utils.upsert,
  toPromise: utils.toPromise,
  checkpointer: require('pouchdb-checkpointer'),
  defaultBackOff: utils.defaultBackOff,
  assign: Object.assign,
};
PouchDB.Errors = errors;
module.exports = PouchDB;
