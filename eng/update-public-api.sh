#!/usr/bin/env bash
# Regenerates PublicAPI.Unshipped.txt of every project with a public API baseline from its code: adds the public
# symbols that are missing (RS0016) and removes entries that are no longer public (RS0017), using the analyzer's
# own code fixes through `dotnet format`. Review the diff: it is the public API change.
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
  # The code fixes run only when the diagnostics are reported at the chosen severity or above.
  dotnet format analyzers "$project" --diagnostics RS0016 RS0017 --severity info --verbosity quiet
  git --no-pager diff --stat -- "$dir/PublicAPI.Unshipped.txt" || true
done
