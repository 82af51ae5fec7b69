#!/usr/bin/env bash
# Run every check after scripts/bootstrap.sh: type-checks, the package-shape lint, the whole
# vitest suite (unit, e2e, differential against real Nix when installed), and the Nix language
# conformance score. Ends with the plain line `N passed, N failed`.
set -uo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 COREPACK_INTEGRITY_KEYS=0 PATH="${TMPDIR:-/tmp}/tsnix-pnpm-bin:$PATH"

status=0
pnpm exec turbo run typecheck --output-logs=errors-only || status=1
node scripts/check-packages.mjs || status=1

# Nix's own language test suite, as a reported figure (its failures are listed, not fatal):
# the runner fetches Nix 2.8.0's tests/lang from Debian's source package into a cache.
conformance=../shared/conformance/nix-lang-tests.sh
if [ -x "$conformance" ] && [ -f packages/eval/dist/instantiate-cli.js ]; then
  "$conformance" -q -j 2 --eval "$PWD/packages/eval/bin/instantiate.cjs" > .conformance.log 2>&1
  grep -v '^ ' .conformance.log | sed 's/^/conformance: /' | tail -n 40
fi

report=.vitest-report.json
rm -f "$report"
pnpm exec vitest run --reporter=default --reporter=json --outputFile="$report" || status=1

if [ -f "$report" ]; then
  node -e '
    const r = require(process.argv[1])
    let failed = r.numFailedTests
    for (const f of r.testResults) {
      const name = f.name.replace(process.cwd() + "/", "")
      for (const t of f.assertionResults) if (t.status === "failed") console.log("FAILED:", name, "›", t.fullName)
      // A file that failed outside its tests (beforeAll, import) reports them as skipped: count it.
      if (f.status === "failed" && !f.assertionResults.some((t) => t.status === "failed")) {
        console.log("FAILED:", name, "›", (f.message || "").split("\n")[0])
        failed++
      }
    }
    console.log(`${r.numPassedTests} passed, ${failed} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""))
    if (!r.success) process.exit(1)
  ' "$PWD/$report" || status=1
else
  echo "0 passed, 1 failed"
  status=1
fi
exit "$status"
