#!/usr/bin/env bash
# Install what is missing, type-check, lint, then run the whole test suite (unit + fleet + the VM suite); exits
# with vitest's code. The last line printed is "N passed, N failed" from
# test/setup/summary-reporter.ts, which is what CI reads.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
# Types of src/ and test/ (tsconfig.test.json), the linter (eslint.config.js, warnings included) and the
# formatter (.prettierrc.json): each fails the run.
npm run --silent typecheck
npm run --silent lint
npm run --silent format:check
exec npx vitest run "$@"
