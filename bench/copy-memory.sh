#!/bin/bash
# Peak RSS of the controller for one copy of a large file to several fleet hosts (issue 10:
# 200 MB to 10 hosts peaked at 2.16 GB). A measurement script, not a test: prints the figure.
#   bench/copy-memory.sh [CLI] [FLEET_DIR] [MB] [HOSTS]
# CLI defaults to dist/nodemend.mjs, FLEET_DIR to .fleet; uses node1..nodeHOSTS with a unique path.
set -euo pipefail
CLI=${1:-dist/nodemend.mjs}; FLEET=${2:-.fleet}; MB=${3:-200}; N=${4:-10}
W=$(mktemp -d /tmp/nm-copymem-XXXXXX); trap 'rm -rf "$W"' EXIT
DEST=/tmp/nm-copymem-$$
head -c $((MB << 20)) /dev/urandom > "$W/big.bin"
{ sed -n "1,3p" "$FLEET/inventory.yaml"; echo "  hosts:"; } > "$W/inv.yaml"
for i in $(seq 1 "$N"); do grep -E "^    node$i: " "$FLEET/inventory.yaml" >> "$W/inv.yaml"; done
cat > "$W/pb.yaml" <<PB
- hosts: all
  tasks:
    - copy: { src: $W/big.bin, dest: $DEST }
PB
/usr/bin/time -f '%M' -o "$W/rss" node "$CLI" run "$W/pb.yaml" -i "$W/inv.yaml" > "$W/out" 2>&1 || { cat "$W/out"; exit 1; }
echo "copy of $MB MB to $N hosts: peak RSS $(( $(cat "$W/rss") / 1024 )) MB; $(tail -1 "$W/out")"
for i in $(seq 1 "$N"); do rm -f "$FLEET/hosts/node$i/merged$DEST"; done
