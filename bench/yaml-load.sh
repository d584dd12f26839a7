#!/bin/bash
# Time to load (validate) a playbook whose vars file is large (issue 10: a 2.5 MB vars file took
# 30 s, the yaml library's duplicate-key check being quadratic). A measurement, not a test.
#   bench/yaml-load.sh [CLI] [MB...]      (default: dist/nodemend.mjs 1 2.5 10)
set -euo pipefail
CLI=${1:-dist/nodemend.mjs}; shift || true; SIZES=${*:-1 2.5 10}
W=$(mktemp -d /tmp/nm-yamlload-XXXXXX); trap 'rm -rf "$W"' EXIT
printf 'all:\n  hosts:\n    h1: { host: 127.0.0.1 }\n' > "$W/inv.yaml"
for mb in $SIZES; do
  # One mapping of ~46-byte entries, as a generated vars file would be.
  python3 -c "import sys; n=int(float(sys.argv[1])*1e6/46); sys.stdout.write(''.join(f'key_{i}: value number {i} with some text\n' for i in range(n)))" "$mb" > "$W/vars-$mb.yaml"
  printf -- '- hosts: all\n  vars_files: [vars-%s.yaml]\n  tasks:\n    - debug: { msg: hi }\n' "$mb" > "$W/pb-$mb.yaml"
  /usr/bin/time -f "%e s, peak RSS %M KB" -o "$W/t" node "$CLI" validate "$W/pb-$mb.yaml" -i "$W/inv.yaml" > /dev/null
  echo "vars file of $mb MB ($(wc -c < "$W/vars-$mb.yaml") bytes): $(cat "$W/t") (load average $(cut -d' ' -f1 /proc/loadavg))"
done
