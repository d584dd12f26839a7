#!/bin/bash
# Peak RSS and wall time of the controller fetching one large file from several fleet hosts
# (issue 10: 200 MB from 4 hosts peaked at 3,023 MB and took 281 s when fetch held each whole
# file in memory). A measurement script, not a test: prints the figures, and fails unless every
# fetched copy has the source's sha1.
#   bench/fetch-memory.sh [CLI] [FLEET_DIR] [MB] [HOST...]
# CLI defaults to dist/nodemend.mjs, FLEET_DIR to .fleet, MB to 200, hosts to node1..node4;
# the file on each host and the fetched copies live under unique paths, removed at the end.
set -euo pipefail
CLI=${1:-dist/nodemend.mjs}; FLEET=${2:-.fleet}; MB=${3:-200}
shift $(( $# < 3 ? $# : 3 ))
HOSTS=${*:-node1 node2 node3 node4}
W=$(mktemp -d /tmp/nm-fetchmem-XXXXXX); SRC=/tmp/nm-fetchmem-$$.bin
cleanup() { rm -rf "$W"; for h in $HOSTS; do rm -f "$FLEET/hosts/$h/merged$SRC"; done; }
trap cleanup EXIT
head -c $((MB << 20)) /dev/urandom > "$W/big.bin"
want=$(sha1sum < "$W/big.bin"); want=${want%% *}
# The inventory's header (group all and its connection), then only the chosen hosts.
{ sed -n '/^all:/,/^  hosts:/p' "$FLEET/inventory.yaml"; } > "$W/inv.yaml"
for h in $HOSTS; do
  cp "$W/big.bin" "$FLEET/hosts/$h/merged$SRC"
  grep -E "^    $h: " "$FLEET/inventory.yaml" >> "$W/inv.yaml"
done
rm "$W/big.bin"
cat > "$W/pb.yaml" <<PB
- hosts: all
  tasks:
    - fetch: { src: $SRC, dest: $W/fetched }
PB
/usr/bin/time -f '%M %e' -o "$W/rss" node "$CLI" run "$W/pb.yaml" -i "$W/inv.yaml" > "$W/out" 2>&1 || { cat "$W/out"; exit 1; }
read -r rss secs < "$W/rss"
n=0
for h in $HOSTS; do
  got=$(sha1sum < "$W/fetched/$h$SRC"); [ "${got%% *}" = "$want" ] || { echo "fetched copy from $h differs from the source" >&2; exit 1; }
  n=$((n + 1))
done
echo "fetch of $MB MB from $(echo $HOSTS | wc -w) hosts ($n copies, sha1 checked): peak RSS $((rss / 1024)) MB, ${secs} s; $(grep -E 'passed|changed=' "$W/out" | tail -1)"
