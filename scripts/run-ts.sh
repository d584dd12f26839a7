#!/usr/bin/env bash
# Run one of scripts/*.ts as a program: Node 20 runs no TypeScript, so it is bundled with
# esbuild (a dev dependency, as for the CLI's own build; the bundle takes in what it imports
# from src/ and test/setup/) into a temp file, named after the script with .mjs.
#   usage: scripts/run-ts.sh scripts/NAME.ts ARGS...
set -euo pipefail
script=${1:?usage: run-ts.sh scripts/NAME.ts ARGS...}
shift
repo=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out="$tmp/$(basename "$script" .ts).mjs"
"$repo/node_modules/.bin/esbuild" "$script" --bundle --platform=node --target=node20 --format=esm --outfile="$out" --log-level=warning \
  --banner:js="import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);"
node "$out" "$@"
