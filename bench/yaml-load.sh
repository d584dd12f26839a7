#!/bin/bash
# Time to load (validate) a playbook whose vars file is large (issue 10: a 2.5 MB vars file took
# 30 s, the yaml library's duplicate-key check being quadratic). A measurement, not a test.
#   bench/yaml-load.sh [CLI] [MB...]      (default: dist/nodemend.mjs 1 2.5 10)
#   SHAPES="map list deep strings anchors" (default: all five) picks the vars files' shapes:
#     map      one mapping of ~46-byte entries, as a generated vars file would be
#     list     one list of small host records (block mappings with a flow list each)
#     deep     mappings nested 8 levels deep
#     strings  long double-quoted and `|` block strings, some with {{ templates }}
#     anchors  anchored mappings reused through aliases and `<<` merges
# Prints wall time and the CPU time of the process (user + sys: steadier than wall on a loaded
# machine), its peak RSS and the load average; compare figures of one run only.
set -euo pipefail
CLI=${1:-dist/nodemend.mjs}; shift || true; SIZES=${*:-1 2.5 10}
SHAPES=${SHAPES:-map list deep strings anchors}
W=$(mktemp -d /tmp/nm-yamlload-XXXXXX); trap 'rm -rf "$W"' EXIT
printf 'all:\n  hosts:\n    h1: { host: 127.0.0.1 }\n' > "$W/inv.yaml"
gen() { # SHAPE MB -> stdout
  python3 - "$1" "$2" <<'EOF'
import sys
shape, size = sys.argv[1], int(float(sys.argv[2]) * 1e6)
out, n, i = [], 0, 0
def put(s):
    global n
    out.append(s); n += len(s)
while n < size:
    if shape == 'map':
        put(f'key_{i}: value number {i} with some text\n')
    elif shape == 'list':
        if i == 0: put('hosts:\n')
        put(f'  - name: host-{i}\n    ip: "10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}"\n    port: {22 + i % 3}\n'
            f'    enabled: {"yes" if i % 2 else "no"}\n    roles: [node, "zone-{i % 7}"]\n')
    elif shape == 'deep':
        put(f'tree_{i}:\n' + ''.join('  ' * d + f'level_{d}:\n' + '  ' * (d + 1) + f'leaf_{d}: {i * 10 + d}\n' for d in range(1, 9)))
    elif shape == 'strings':
        put(f'quoted_{i}: "' + f'word {i} and \\"escapes\\" ' * 40 + '"\n')
        put(f'block_{i}: |\n' + ''.join(f'    line {j} of block {i}: {{{{ inventory_hostname }}}} and some text\n' for j in range(20)))
    elif shape == 'anchors':
        put(f'base_{i}: &b{i} {{ cpu: {i % 8}, memory: "{i % 64}Gi", zone: z{i % 5} }}\n'
            f'copy_{i}: *b{i}\nmerged_{i}:\n  <<: *b{i}\n  zone: override_{i}\n')
    i += 1
sys.stdout.write(''.join(out))
EOF
}
for shape in $SHAPES; do
  for mb in $SIZES; do
    gen "$shape" "$mb" > "$W/vars-$shape-$mb.yaml"
    printf -- '- hosts: all\n  vars_files: [vars-%s-%s.yaml]\n  tasks:\n    - debug: { msg: hi }\n' "$shape" "$mb" > "$W/pb.yaml"
    /usr/bin/time -f "%e %U %S %M" -o "$W/t" node "$CLI" validate "$W/pb.yaml" -i "$W/inv.yaml" > /dev/null
    read -r wall user sys rss < "$W/t"
    printf '%-8s %5s MB (%9d bytes): %6.2f s wall, %6.2f s CPU, peak RSS %4d MB (load average %s)\n' \
      "$shape" "$mb" "$(wc -c < "$W/vars-$shape-$mb.yaml")" "$wall" "$(echo "$user + $sys" | bc)" $((rss / 1024)) "$(cut -d' ' -f1 /proc/loadavg)"
  done
done
