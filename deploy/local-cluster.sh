#!/usr/bin/env bash
# Three MyNoSql mirrors on 127.0.0.1 forming one cluster (localhost clustering, lzma-shards storage).
#   deploy/local-cluster.sh start|stop|status|restart
# Mirror i (0,1,2) uses HTTP port HTTP_BASE+i, silo port SILO_BASE+i, gateway port GATEWAY_BASE+i and the data
# directory STATE_DIR/mirror-i; the second and third are given --primary 127.0.0.1:SILO_BASE.
# Environment: STATE_DIR (default ${TMPDIR:-/tmp}/mynosql-local-cluster), HTTP_BASE (8800), SILO_BASE (11111),
# GATEWAY_BASE (30000), CONFIGURATION (Release), MIRRORS (3), EXTRA_ARGS (added to every mirror's command line),
# BUILD (1: start builds src/Silo first; 0: only when the binary is missing).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE_DIR="${STATE_DIR:-${TMPDIR:-/tmp}/mynosql-local-cluster}"
HTTP_BASE="${HTTP_BASE:-8800}"
SILO_BASE="${SILO_BASE:-11111}"
GATEWAY_BASE="${GATEWAY_BASE:-30000}"
CONFIGURATION="${CONFIGURATION:-Release}"
MIRRORS="${MIRRORS:-3}"
EXTRA_ARGS="${EXTRA_ARGS:-}"
DLL="$ROOT/src/Silo/bin/$CONFIGURATION/net10.0/MyNoSql.Silo.dll"

pid_of() { cat "$STATE_DIR/mirror-$1.pid" 2>/dev/null || true; }
alive() { local p; p="$(pid_of "$1")"; [[ -n "$p" ]] && kill -0 "$p" 2>/dev/null; }
url_of() { echo "http://127.0.0.1:$((HTTP_BASE + $1))"; }
healthy() { curl -sf -o /dev/null --max-time 2 "$(url_of "$1")/healthz"; }

start() {
  mkdir -p "$STATE_DIR"
  if [[ ! -f "$DLL" || "${BUILD:-1}" == 1 ]]; then
    echo "building src/Silo ($CONFIGURATION)…"
    dotnet build "$ROOT/src/Silo" -c "$CONFIGURATION" -nologo -v quiet >"$STATE_DIR/build.log" 2>&1 \
      || { cat "$STATE_DIR/build.log"; echo "build failed" >&2; exit 1; }
  fi
  for ((i = 0; i < MIRRORS; i++)); do
    if alive "$i"; then echo "mirror $i already running (pid $(pid_of "$i"))"; continue; fi
    local args=(--data "$STATE_DIR/mirror-$i" --http-port $((HTTP_BASE + i)) --silo-port $((SILO_BASE + i))
                --gateway-port $((GATEWAY_BASE + i)))
    ((i > 0)) && args+=(--primary "127.0.0.1:$SILO_BASE")
    # shellcheck disable=SC2206
    args+=($EXTRA_ARGS)
    nohup dotnet "$DLL" "${args[@]}" >>"$STATE_DIR/mirror-$i.log" 2>&1 </dev/null &
    echo $! >"$STATE_DIR/mirror-$i.pid"
    echo "mirror $i: pid $!, $(url_of "$i"), silo port $((SILO_BASE + i)), log $STATE_DIR/mirror-$i.log"
    # The first mirror holds localhost membership: let it come up before the others join.
    if ((i == 0)); then wait_healthy 0; fi
  done
  for ((i = 0; i < MIRRORS; i++)); do wait_healthy "$i"; done
  local deadline=$((SECONDS + 60)) listed=""
  while ((SECONDS < deadline)); do
    listed="$(curl -sf --max-time 5 "$(url_of 0)/mirrors" || true)"
    [[ "$(grep -o 'http' <<<"$listed" | wc -l)" -ge "$MIRRORS" ]] && break
    sleep 1
  done
  echo "mirrors: $listed"
}

wait_healthy() {
  local deadline=$((SECONDS + 90))
  until healthy "$1"; do
    if ! alive "$1"; then echo "mirror $1 exited; last log lines:" >&2; tail -n 30 "$STATE_DIR/mirror-$1.log" >&2; exit 1; fi
    if ((SECONDS >= deadline)); then echo "mirror $1 not healthy after 90 s" >&2; exit 1; fi
    sleep 0.5
  done
}

stop() {
  # Stop the joiners first, the primary (which holds localhost membership) last.
  for ((i = MIRRORS - 1; i >= 0; i--)); do
    local p; p="$(pid_of "$i")"
    if [[ -z "$p" ]]; then continue; fi
    if kill -0 "$p" 2>/dev/null; then
      kill -TERM "$p"
      local deadline=$((SECONDS + 40))
      while kill -0 "$p" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
      if kill -0 "$p" 2>/dev/null; then echo "mirror $i (pid $p) did not stop in 40 s; killing"; kill -KILL "$p" || true; fi
      echo "mirror $i stopped"
    fi
    rm -f "$STATE_DIR/mirror-$i.pid"
  done
}

status() {
  local up=0
  for ((i = 0; i < MIRRORS; i++)); do
    if alive "$i"; then
      if healthy "$i"; then echo "mirror $i: running (pid $(pid_of "$i")), $(url_of "$i") healthy"; up=$((up + 1))
      else echo "mirror $i: running (pid $(pid_of "$i")), $(url_of "$i") not answering"; fi
    else
      echo "mirror $i: stopped"
    fi
  done
  if alive 0 && healthy 0; then echo "mirrors: $(curl -sf --max-time 5 "$(url_of 0)/mirrors" || echo '?')"; fi
  ((up == MIRRORS))
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  restart) stop; start ;;
  *) echo "usage: $0 start|stop|status|restart" >&2; exit 2 ;;
esac
