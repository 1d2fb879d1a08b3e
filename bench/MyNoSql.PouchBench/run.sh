#!/usr/bin/env bash
# PouchDB 9 pushing and pulling N ~1 KB docs to/from one MyNoSql mirror's /couch/ and pouchdb-server 4.2 (LevelDB
# on disk), both on 127.0.0.1, in the same run. Prints a table; writes JSON. Run it under the bench lock:
#   flock /work/notes/bench.lock bench/MyNoSql.PouchBench/run.sh [--docs 100000] [--out FILE]
# Defaults: --docs 10000, --out bench/results/pouch-bench-<UTC time>.json. Needs a Release build of src/Silo
# (built here when missing) and node/npm (npm ci runs in tests/Pouch.Tests/js when node_modules is missing).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
docs=10000
out="$root/bench/results/pouch-bench-$(date -u +%Y%m%dT%H%M%SZ).json"
while (($#)); do
  case "$1" in
    --docs) docs=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "unknown option $1 (use --docs N, --out FILE)" >&2; exit 2 ;;
  esac
done
js="$root/tests/Pouch.Tests/js"
[[ -f "$js/node_modules/.package-lock.json" ]] || (cd "$js" && npm ci --prefer-offline --no-audit --no-fund)
silo="$root/src/Silo/bin/Release/net10.0/MyNoSql.Silo.dll"
[[ -f "$silo" ]] || dotnet build "$root/src/Silo/MyNoSql.Silo.csproj" -c Release
free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

tmp="$(mktemp -d /tmp/pouch-bench-servers-XXXXXX)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

http=$(free_port); siloport=$(free_port); gw=$(free_port); ps_port=$(free_port)
echo "[bench] mirror on 127.0.0.1:$http (data $tmp/mirror), pouchdb-server on 127.0.0.1:$ps_port (data $tmp/pouchdb-server)" >&2
dotnet "$silo" --data "$tmp/mirror" --http-port "$http" --silo-port "$siloport" --gateway-port "$gw" >"$tmp/mirror.log" 2>&1 &
pids+=($!)
mkdir -p "$tmp/pouchdb-server"
(cd "$tmp/pouchdb-server" && exec node "$js/node_modules/pouchdb-server/bin/pouchdb-server" --port "$ps_port" \
  --dir "$tmp/pouchdb-server" --config "$tmp/pouchdb-server/config.json" --no-stdout-logs) >"$tmp/pouchdb-server.log" 2>&1 &
pids+=($!)
wait_up() {
  for _ in $(seq 1 300); do curl -fs "$1" >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "[bench] $1 did not come up; logs:" >&2; tail -n 30 "$tmp"/*.log >&2; exit 1
}
wait_up "http://127.0.0.1:$http/healthz"
wait_up "http://127.0.0.1:$ps_port/"
mkdir -p "$(dirname "$out")"
echo "[bench] uptime: $(uptime)" >&2
NODE_PATH="$js/node_modules" node "$root/bench/MyNoSql.PouchBench/bench.js" --docs "$docs" --out "$out" \
  --target "mirror=http://127.0.0.1:$http/couch" --target "pouchdb-server=http://127.0.0.1:$ps_port"
echo "[bench] uptime: $(uptime)" >&2
