#!/usr/bin/env bash
# Everything nodemend and its test suite need on a fresh Debian bookworm machine,
# as root. Idempotent and quick the second time: apt runs only when a package is
# missing, npm ci only when the lockfile changed, and the fleet's root filesystem
# is built once per machine (a few minutes) and cached in /var/cache/nodemend.
set -euo pipefail
cd "$(dirname "$0")/.."

[ "$(id -u)" -eq 0 ] || { echo "install.sh: run as root (apt, and the test fleet's mounts and namespaces)" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive

# Controller side only; the fleet hosts carry their own sshd, sudo, compilers.
#   debootstrap      builds the hosts' root filesystem
#   openssh-client   ssh-keygen (client and host keys), ssh-keyscan (host readiness), ssh (tests)
#   util-linux mount unshare, mount/umount (overlay roots, namespaces)
#   procps           ps/kill in tests
#   ca-certificates  npm over https
#   ansible-core     the benchmark compares nodemend with ansible-playbook
#   ansible          its collections (ansible.posix.sysctl, community.general.modprobe...) for the differential tests
#   golang-go        Go fixture builds (the nokmem kubelet stand-in)
#   gpg              signs the local apt repositories the role differentials serve (test/setup/local-apt-repo.ts)
#   chromium         headless, renders `plan show --html` pages in the saved-plan tests
#   python3-distro, lsb-release   the distro library and lsb_release Ansible's distribution facts read
#                    (test/unit/facts/distribution.test.ts compares nodemend's with and without them)
#   qemu-system-x86, qemu-utils, fdisk, e2fsprogs   the VM suite (test/vm): QEMU, qcow2
#                    overlays, the image's partition table, mkfs.ext4 -d (scripts/vm/image.sh)
APT_PACKAGES=(debootstrap openssh-client util-linux mount procps ca-certificates ansible-core ansible golang-go gpg chromium python3-distro lsb-release
  qemu-system-x86 qemu-utils fdisk e2fsprogs)
command -v node >/dev/null || APT_PACKAGES+=(nodejs npm)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install.sh: apt-get install ${missing[*]}"
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || { echo "install.sh: nodemend needs Node.js >= 20, found $(node --version)" >&2; exit 1; }

# npm ci wipes node_modules: skip it while the installed tree matches the lockfile.
stamp=node_modules/.nodemend-install-stamp
want=$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi

npm run --silent build

# The fleet's shared root filesystem (debootstrap; cached per package list).
node dist/src/fleet/bin.js rootfs

# The VM suite's disk image (debootstrap + kernel + grub; cached per recipe, ~4 min once).
bash scripts/vm/image.sh >/dev/null
