#!/usr/bin/env bash
# Validates skillstack's SARIF for every bundled example app with Microsoft's official SARIF
# validator, using GitHub code scanning's rule set (`--rule-kind Gh`). Fails on any error or warning.
# Installs the validator (npm package @microsoft/sarif-multitool) into target/sarif-tools.
set -euo pipefail
cd "$(dirname "$0")/.."

tools="target/sarif-tools"
if [ ! -x "$tools/node_modules/.bin/sarif-multitool" ]; then
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-audit --no-fund --loglevel=error @microsoft/sarif-multitool@5.7.0 >/dev/null
fi
# npm may skip the package's install script (which marks the .NET binary executable).
find "$tools/node_modules/@microsoft" -name Sarif.Multitool -type f -exec chmod u+x {} +
# The validator is a .NET program; without ICU libraries it must run in invariant-globalization mode.
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1

cargo build --release --quiet
out="target/sarif-check"
rm -rf "$out" && mkdir -p "$out"
status=0
for app in fixtures/apps/*/; do
  name=$(basename "$app")
  ./target/release/skillstack audit "$app" --output-format sarif -o "$out/$name.sarif" --exit-zero
done
# The SARIF that the GitHub Action's own steps produced in tests/action.rs, when the tests ran first.
if [ -f target/action-test/skillstack.sarif ]; then
  cp target/action-test/skillstack.sarif "$out/github-action.sarif"
fi
for sarif in "$out"/*.sarif; do
  name=$(basename "$sarif" .sarif)
  "$tools/node_modules/.bin/sarif-multitool" validate "$out/$name.sarif" --rule-kind Gh -o "$out/$name.validation.sarif" --quiet || true
  problems=$(node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).runs.flatMap(run => run.results || []);
    const bad = r.filter(x => x.level === "error" || x.level === "warning" || x.level === undefined);
    for (const x of bad) console.error(`  ${x.ruleId}: ${(x.message && (x.message.text || JSON.stringify(x.message.arguments))) || ""}`);
    console.log(bad.length);
  ' "$PWD/$out/$name.validation.sarif")
  results=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).runs[0].results.length)' "$PWD/$out/$name.sarif")
  if [ "$problems" != "0" ]; then
    echo "SARIF for $name: $problems validation problem(s)"; status=1
  else
    echo "SARIF for $name: valid ($results results)"
  fi
done
exit $status
