#!/usr/bin/env bash
# Regenerates PublicAPI.Unshipped.txt of every project with a public API baseline from its code: adds the public
# symbols that are missing (RS0016, through the analyzer's own code fix in `dotnet format`) and removes the entries
# that are no longer public (RS0017 has no code fix: the symbols it names in a build are deleted from the file).
# Review the diff: it is the public API change.
# Usage: eng/update-public-api.sh [project.csproj ...]   (default: every project that has a PublicAPI.Shipped.txt)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$#" -gt 0 ]; then
  projects=("$@")
else
  mapfile -t projects < <(for f in src/*/PublicAPI.Shipped.txt; do ls "$(dirname "$f")"/*.csproj; done)
fi

for project in "${projects[@]}"; do
  dir="$(dirname "$project")"
  [ -f "$dir/PublicAPI.Unshipped.txt" ] || printf '#nullable enable\n' > "$dir/PublicAPI.Unshipped.txt"
  echo "== $project"
  # 1. Entries that are no longer public: RS0017 "Symbol '<entry>' is part of the declared API, but ...".
  log="$(mktemp)"
  dotnet build "$project" -c Release -p:TreatWarningsAsErrors=false -p:WarningsAsErrors= -p:RunAnalyzersDuringBuild=true \
    --no-incremental -clp:NoSummary > "$log" 2>&1 || true
  python3 - "$dir/PublicAPI.Unshipped.txt" "$log" <<'PY'
import re, sys
api_path, log_path = sys.argv[1], sys.argv[2]
gone = set(re.findall(r"RS0017: Symbol '(.*?)' is part of the declared API", open(log_path, encoding="utf-8").read()))
lines = open(api_path, encoding="utf-8").read().splitlines()
kept = [l for l in lines if l not in gone]
open(api_path, "w", encoding="utf-8").write("\n".join(kept) + "\n")
print(f"  removed {len(lines) - len(kept)} entries no longer public")
PY
  rm -f "$log"
  # 2. Public symbols missing from the files; the code fix runs only for diagnostics at the chosen severity or above.
  dotnet format analyzers "$project" --diagnostics RS0016 --severity info --verbosity quiet
  # 3. What the code fix leaves out (it skips some members the compiler synthesises for records): add what RS0016 names.
  log="$(mktemp)"
  dotnet build "$project" -c Release -p:TreatWarningsAsErrors=false -p:WarningsAsErrors= --no-incremental -clp:NoSummary > "$log" 2>&1 || true
  python3 - "$dir/PublicAPI.Unshipped.txt" "$log" <<'PY'
import re, sys
api_path, log_path = sys.argv[1], sys.argv[2]
missing = sorted(set(re.findall(r"RS0016: Symbol '(.*?)' is not part of the declared public API", open(log_path, encoding="utf-8").read())))
lines = open(api_path, encoding="utf-8").read().splitlines()
added = [m for m in missing if m not in lines]
open(api_path, "w", encoding="utf-8").write("\n".join(lines + added) + "\n")
print(f"  added {len(added)} entries the code fix left out")
PY
  rm -f "$log"
  git --no-pager diff --stat -- "$dir/PublicAPI.Unshipped.txt" || true
done
