#!/usr/bin/env bash
# Issue 16's goal "from git clone to a first query in the REPL in under 2 minutes": clones this repository into a temp
# folder, then times the README's CLI line (`dotnet run --project src/Cli -- shell DB --data DIR`, which restores and
# builds the CLI and the engine) feeding the shell a put and a find on stdin, as a new user would type them.
# Usage: bash bench/first-query/run.sh [REPO]   (REPO defaults to this clone; NuGet packages come from the machine's cache
# or feed as for any first build). Prints the phases and the total; exit 1 when the query did not return the record.
set -euo pipefail
repo="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
start=$(date +%s.%N)
git clone -q "$repo" "$work/mynosql"
cloned=$(date +%s.%N)
cd "$work/mynosql"
out=$(printf '%s\n' 'put {"id":"hello","greeting":"world"}' 'find {"greeting":"world"}' 'exit' \
  | dotnet run --project src/Cli -- shell demo --data "$work/data" 2>&1)
done_at=$(date +%s.%N)
echo "$out" | tail -n 5
printf 'clone %.1f s, build + shell + first query %.1f s, total %.1f s (load %s)\n' \
  "$(echo "$cloned - $start" | bc)" "$(echo "$done_at - $cloned" | bc)" "$(echo "$done_at - $start" | bc)" "$(cut -d' ' -f1 /proc/loadavg)"
grep -q '"hello"' <<<"$out" || { echo "the query did not return the record" >&2; exit 1; }
