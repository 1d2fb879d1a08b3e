#!/usr/bin/env bash
# Runs a subset of PouchDB 9's own integration tests (test.replication.js, test.bulk_get.js, test.revs_diff.js,
# test.changes.js) against a CouchDB-protocol server and prints "suite: P passing, F failing, S pending".
# Not run by CI. Usage (see ../README.md):
#   COUCH_HOST=http://127.0.0.1:8800/couch tests/Pouch.Tests/suite/run.sh
# Environment:
#   COUCH_HOST      server root the tests create their databases under (required): a mirror's http://host:port/couch,
#                   or http://127.0.0.1:PORT for pouchdb-server.
#   POUCHDB_REPO    a git clone of github.com/pouchdb/pouchdb (default: the local snapshot
#                   /work/.mirror/pouchdb+pouchdb/repo when present, else cloned into .work/pouchdb).
#   POUCHDB_COMMIT  the commit the tests are taken from (default 194c0754b, the source of the 9.0.0 build commit;
#                   the 9.0.0 tag itself holds only the built package).
#   FILES           test files (default: "replication bulk_get revs_diff changes").
#   GREP            mocha --grep (default: only the suites that talk to the server, i.e. whose name has an http
#                   adapter: "test.changes.js-http", "test.replication.js-local-http", …).
#   TIMEOUT         mocha per-test timeout in ms (default 20000); BAIL=1 stops at the first failure.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
: "${COUCH_HOST:?set COUCH_HOST, e.g. http://127.0.0.1:8800/couch}"
: "${POUCHDB_COMMIT:=194c0754b}"
: "${FILES:=replication bulk_get revs_diff changes}"
: "${GREP:=\\.js-([a-z]+-)?http}"
: "${TIMEOUT:=20000}"
work="$here/.work"

command -v node >/dev/null && command -v npm >/dev/null || { echo "suite: node and npm are required" >&2; exit 2; }
if [[ ! -f "$here/node_modules/.package-lock.json" ]]; then
  (cd "$here" && npm ci --prefer-offline --no-audit --no-fund)
fi

repo="${POUCHDB_REPO:-}"
if [[ -z "$repo" ]]; then
  if [[ -d /work/.mirror/pouchdb+pouchdb/repo ]]; then repo=/work/.mirror/pouchdb+pouchdb/repo
  else
    repo="$work/pouchdb"
    [[ -d "$repo" ]] || git clone --quiet --filter=blob:none https://github.com/pouchdb/pouchdb "$repo"
  fi
fi

rm -rf "$work/tests" "$work/packages" "$work/bin" "$work/tmp"
mkdir -p "$work/packages/node_modules/pouchdb-for-coverage"
paths=(tests/common-utils.js tests/integration/utils.js tests/integration/node.setup.js bin/down-server.js)
for f in $FILES; do paths+=("tests/integration/test.$f.js"); done
git -C "$repo" archive "$POUCHDB_COMMIT" "${paths[@]}" | tar -x -C "$work"
# The tests load PouchDB from the monorepo's packages/node_modules: point that at the released 9.0.0 from npm.
ln -sfn "$here/node_modules/pouchdb" "$work/packages/node_modules/pouchdb"
cp "$here/shim/pouchdb-for-coverage.js" "$work/packages/node_modules/pouchdb-for-coverage/index.js"

# A server that answers 500 to everything, on 3010 (some replication tests use it), as PouchDB's test-node.sh does.
down_pid=""
if ! (: </dev/tcp/127.0.0.1/3010) 2>/dev/null; then
  node "$work/bin/down-server.js" 3010 >/dev/null & down_pid=$!
fi
trap '[[ -n "$down_pid" ]] && kill "$down_pid" 2>/dev/null || true' EXIT

files=(); for f in $FILES; do files+=("tests/integration/test.$f.js"); done
bail=(); [[ "${BAIL:-0}" == 1 ]] && bail=(--bail)
log="$work/last-run.log"
echo "suite: PouchDB tests at $POUCHDB_COMMIT, COUCH_HOST=$COUCH_HOST, grep /$GREP/, files: $FILES (log: $log)"
set +e
(cd "$work" && COUCH_HOST="$COUCH_HOST" node "$here/node_modules/mocha/bin/mocha.js" --exit "${bail[@]}" \
  --timeout "$TIMEOUT" --require ./tests/integration/node.setup.js --reporter spec --grep "$GREP" "${files[@]}") 2>&1 | tee "$log"
code=${PIPESTATUS[0]}
set -e
count() { grep -Eo "^ +[0-9]+ $1" "$log" | tail -1 | grep -Eo "[0-9]+" || echo 0; }
echo "suite: $(count passing) passing, $(count failing) failing, $(count pending) pending (mocha exit $code)"
exit "$code"
