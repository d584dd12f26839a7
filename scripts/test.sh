#!/usr/bin/env bash
# Install what is missing, then run the whole test suite (unit + fleet + the VM suite); exits
# with vitest's code. The last line printed is "N passed, N failed" from
# test/setup/summary-reporter.ts, which is what CI reads.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec npx vitest run "$@"
