#!/usr/bin/env bash
# Make the local test fleet look like nodes that need nodemend's fixes, with the test stand-ins
# (each names the release it mirrors), so that site.yaml does its real work in the dry run and
# the real run (scripts/main-job.sh). Idempotent: a file is written only when absent or
# different. Only ever writes under FLEET_DIR/hosts/*/merged (the fleet hosts' roots), never
# the machine's own files.
#   usage: scripts/plant-fleet.sh FLEET_DIR
# Per host:
# - /etc/default/grub without cgroup.memory=nokmem, and update-grub (test/fixtures/grub: Debian
#   grub-mkconfig's sourcing); the kernel is judged as EL7 3.10.0-1160 (playbooks/vars/local-fleet.yaml)
# - /usr/bin/kubelet: answers `--version` as kubelet v1.14.1 does ("Kubernetes v1.14.1"), the
#   RPM layout's binary, built without nokmem
# - /usr/local/bin/dockerd: answers `--version` as docker-ce 18.09.9 does, and
#   /etc/init.d/docker (LSB start/stop/restart/status, records each call), so daemon.json is
#   written and docker restarted
# - a memory cgroup tree for the kmem proof as a 3.10 kernel with nokmem answers it: a
#   container's memory.kmem.slabinfo is /proc/self/mem, whose read fails with a real EIO
set -euo pipefail
dir=${1:?usage: plant-fleet.sh FLEET_DIR}
repo=$(cd "$(dirname "$0")/.." && pwd)
# put SRC-TEXT at PATH under ROOT with MODE, only when it differs
put() {
  local root=$1 path=$2 mode=$3 text=$4 f
  f=$root$path
  if [ -f "$f" ] && [ "$(cat "$f")" = "$text" ]; then return 0; fi
  mkdir -p "$(dirname "$f")"
  printf '%s\n' "$text" > "$f.nm-plant" && chmod "$mode" "$f.nm-plant" && mv "$f.nm-plant" "$f"
}
n=0
for root in "$dir"/hosts/*/merged; do
  [ -d "$root/etc" ] || continue
  # once per host: a grub file already carrying the flag is the fix, not something to undo
  [ -f "$root/etc/default/grub" ] || put "$root" /etc/default/grub 0644 'GRUB_DEFAULT=0
GRUB_TIMEOUT=5
GRUB_CMDLINE_LINUX="crashkernel=auto rhgb quiet"
GRUB_CMDLINE_LINUX_DEFAULT=""'
  put "$root" /usr/local/sbin/update-grub 0755 "$(cat "$repo/test/fixtures/grub/update-grub")"
  put "$root" /usr/bin/kubelet 0755 '#!/bin/sh
# Stand-in: kubelet v1.14.1 (kubernetes/kubernetes cmd/kubelet, --version prints "Kubernetes v1.14.1"),
# the RPM binary, built without -tags=nokmem.
[ "$1" = --version ] && echo "Kubernetes v1.14.1"'
  put "$root" /usr/local/bin/dockerd 0755 '#!/bin/sh
# Stand-in: dockerd of docker-ce 18.09.9 (docker/engine v18.09.9, `dockerd --version`).
[ "$1" = --version ] && echo "Docker version 18.09.9, build 039a7df"'
  put "$root" /etc/init.d/docker 0755 '#!/bin/sh
# Stand-in: an LSB init script (start|stop|restart|status, exit 3 when stopped) that records each call.
case "$1" in
  start|restart) echo "$1" >> /var/log/nm-plant-docker.log; touch /var/lib/nm-plant-docker.running ;;
  stop) echo stop >> /var/log/nm-plant-docker.log; rm -f /var/lib/nm-plant-docker.running ;;
  status) [ -f /var/lib/nm-plant-docker.running ] || exit 3 ;;
  *) echo "Usage: $0 {start|stop|restart|status}" >&2; exit 2 ;;
esac'
  ctr=$root/var/lib/nm-standin/memory/kubepods/burstable/pod0f1e2d3c/4be1c0ffee
  mkdir -p "$ctr"
  [ -L "$ctr/memory.kmem.slabinfo" ] || ln -s /proc/self/mem "$ctr/memory.kmem.slabinfo"
  n=$((n + 1))
done
echo "planted the stand-ins on $n fleet hosts under $dir"
