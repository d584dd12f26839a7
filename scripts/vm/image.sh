#!/usr/bin/env bash
# Build (once) the Debian bookworm disk image the VM suite boots, and print its cache dir.
#
#   bash scripts/vm/image.sh        -> /var/cache/nodemend/vm-<recipe hash>
#
# The image boots through grub from its own disk (no -kernel/-append: a grub edit plus a
# reboot must change /proc/cmdline), with cgroup v1 selected on the kernel command line
# (systemd.unified_cgroup_hierarchy=0) so the memory.kmem.* counters exist. Built without loop
# devices: debootstrap into a directory, `mkfs.ext4 -E offset=... -d DIR` into a partitioned
# image file, grub's boot.img/core.img (made by the image's own grub-mkimage) written into the
# MBR and the gap before the partition. The cache dir is named by the hash of this file (the
# recipe) and the mirror, built in a temp dir and renamed when complete, so an interrupted
# build is never taken for a finished one. It holds:
#   disk.qcow2            the disk (runs use a copy-on-write overlay of it)
#   keys/id_ed25519       the client key root and ops (passwordless sudo) accept
#   ssh_host_ed25519_key.pub   the VM's host key (for known_hosts)
#   kernel                the installed kernel release
# Env: MIRROR (default: the first Debian mirror in apt's sources), NODEMEND_VM_CACHE
# (default /var/cache/nodemend).
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "vm image: run as root (debootstrap, chroot)" >&2; exit 1; }

SUITE=bookworm
CACHE=${NODEMEND_VM_CACHE:-/var/cache/nodemend}
DISK_SIZE_MB=6144
PART_START=2048   # sectors; grub's core.img goes in the gap before it
BASE_PACKAGES=systemd-sysv,udev,dbus,openssh-server,sudo,kmod,iproute2,procps,build-essential,linux-headers-amd64,linux-image-amd64,initramfs-tools,e2fsprogs
export DEBIAN_FRONTEND=noninteractive LC_ALL=C

if [ -z "${MIRROR:-}" ]; then
  MIRROR=$(grep -rhoE '^(URIs:|deb)[[:space:]]+(\[[^]]*\][[:space:]]+)?https?://[^[:space:]]*/debian/?([[:space:]]|$)' \
             /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null | grep -oE 'https?://[^[:space:]]*' | head -n 1 || true)
  MIRROR=${MIRROR:-http://deb.debian.org/debian}
fi

recipe=$( { cat "$0"; echo "$SUITE $MIRROR"; } | sha256sum | cut -c1-12)
final=$CACHE/vm-$recipe
if [ -f "$final/disk.qcow2" ]; then echo "$final"; exit 0; fi

mkdir -p "$CACHE"
tmp=$(mktemp -d "$CACHE/.vm-$recipe.XXXXXX")
root=$tmp/root
cleanup() {
  for m in dev/pts dev proc sys; do mountpoint -q "$root/$m" 2>/dev/null && umount -l "$root/$m"; done
  rm -rf "$tmp"
}
trap cleanup EXIT
log() { echo "vm image: $*" >&2; }

log "debootstrap $SUITE from $MIRROR into $tmp (once per recipe; several minutes)"
debootstrap --variant=minbase --include="$BASE_PACKAGES" "$SUITE" "$root" "$MIRROR" >"$tmp/debootstrap.log" 2>&1 \
  || { tail -n 30 "$tmp/debootstrap.log" >&2; exit 1; }

kver=$(ls "$root/lib/modules" | sort -V | tail -n 1)
[ -f "$root/boot/vmlinuz-$kver" ] && [ -f "$root/boot/initrd.img-$kver" ] || { log "no kernel/initrd for $kver in the image"; exit 1; }
[ -d "$root/usr/src/linux-headers-$kver" ] || { log "no linux-headers-$kver in the image"; exit 1; }

# grub-pc with its postinst told not to install anywhere (this chroot has no disk); the MBR
# and core.img are written below. Services must not start inside the chroot.
mount --bind /dev "$root/dev"; mount -t devpts devpts "$root/dev/pts"; mount -t proc proc "$root/proc"; mount -t sysfs sysfs "$root/sys"
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"; chmod 755 "$root/usr/sbin/policy-rc.d"
printf '%s\n' 'grub-pc grub-pc/install_devices multiselect' 'grub-pc grub-pc/install_devices_empty boolean true' \
  | chroot "$root" debconf-set-selections
log "apt-get install grub-pc in the image"
chroot "$root" apt-get install -y -q --no-install-recommends grub-pc >"$tmp/apt.log" 2>&1 || { tail -n 30 "$tmp/apt.log" >&2; exit 1; }
rm -f "$root/usr/sbin/policy-rc.d"
chroot "$root" apt-get clean

# ---- system configuration
echo nmvm > "$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 nmvm\n' > "$root/etc/hosts"
echo 'LABEL=nmroot / ext4 errors=remount-ro 0 1' > "$root/etc/fstab"
printf '[Match]\nName=en*\n\n[Network]\nDHCP=yes\n' > "$root/etc/systemd/network/20-dhcp.network"
chroot "$root" systemctl enable systemd-networkd.service >/dev/null 2>&1
# Nothing that is not needed runs at boot (TCG is slow): timers, the online wait.
chroot "$root" systemctl mask systemd-networkd-wait-online.service apt-daily.timer apt-daily-upgrade.timer \
  man-db.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer >/dev/null 2>&1 || true

cat > "$root/etc/default/grub" <<'GRUB'
# nodemend VM image: grub-nokmem.yaml adds its flag through /etc/default/grub.d/.
GRUB_DEFAULT=0
GRUB_TIMEOUT=0
GRUB_DISTRIBUTOR=Debian
GRUB_CMDLINE_LINUX_DEFAULT=""
GRUB_CMDLINE_LINUX="console=ttyS0 systemd.unified_cgroup_hierarchy=0"
GRUB_TERMINAL=console
GRUB_DISABLE_OS_PROBER=true
GRUB

# ---- users and keys: root and ops (passwordless sudo) log in with the image's client key
mkdir -p "$tmp/keys"
ssh-keygen -q -t ed25519 -N '' -C nodemend-vm -f "$tmp/keys/id_ed25519"
chroot "$root" useradd -m -s /bin/bash ops
echo 'ops ALL=(ALL) NOPASSWD: ALL' > "$root/etc/sudoers.d/ops"; chmod 440 "$root/etc/sudoers.d/ops"
for home in root home/ops; do
  install -d -m 700 "$root/$home/.ssh"
  install -m 600 "$tmp/keys/id_ed25519.pub" "$root/$home/.ssh/authorized_keys"
done
chroot "$root" chown -R ops:ops /home/ops/.ssh
# Host keys are the image's (openssh-server's postinst made them): every run knows them.
[ -f "$root/etc/ssh/ssh_host_ed25519_key.pub" ] || chroot "$root" ssh-keygen -A
cp "$root/etc/ssh/ssh_host_ed25519_key.pub" "$tmp/ssh_host_ed25519_key.pub"
echo "$kver" > "$tmp/kernel"

# ---- grub: modules under /boot/grub, core.img from the image's own grub, first grub.cfg.
# update-grub inside the VM (grub-nokmem.yaml) later regenerates grub.cfg from /etc/default/grub.
mkdir -p "$root/boot/grub/i386-pc"
cp -a "$root/usr/lib/grub/i386-pc/." "$root/boot/grub/i386-pc/"
chroot "$root" grub-mkimage -O i386-pc -o /boot/grub/i386-pc/core.img -p '(hd0,msdos1)/boot/grub' biosdisk part_msdos ext2
cmdline=$(. "$root/etc/default/grub"; echo "$GRUB_CMDLINE_LINUX $GRUB_CMDLINE_LINUX_DEFAULT")
cat > "$root/boot/grub/grub.cfg" <<CFG
# first boot only (written by scripts/vm/image.sh); update-grub replaces it
set timeout=0
insmod part_msdos
insmod ext2
set root=(hd0,msdos1)
linux /boot/vmlinuz-$kver root=LABEL=nmroot ro $cmdline
initrd /boot/initrd.img-$kver
boot
CFG

for m in dev/pts dev proc sys; do umount -l "$root/$m"; done

# ---- the disk: MBR partition table, ext4 filled from the tree at the partition's offset
log "making the disk (mkfs.ext4 -d, no loop device)"
raw=$tmp/disk.raw
truncate -s "${DISK_SIZE_MB}M" "$raw"
echo "start=$PART_START, type=83, bootable" | sfdisk -q "$raw"
fs_kb=$(( DISK_SIZE_MB * 1024 - PART_START / 2 ))
mkfs.ext4 -q -F -L nmroot -E offset=$(( PART_START * 512 )) -d "$root" "$raw" "${fs_kb}k"
core=$root/boot/grub/i386-pc/core.img
[ $(( ($(stat -c %s "$core") + 511) / 512 )) -lt "$PART_START" ] || { log "core.img does not fit before the partition"; exit 1; }
# boot.img: the first 440 bytes of the MBR (the partition table stays); core.img from sector 1,
# where boot.img and core.img's own block list look for it by default.
dd if="$root/usr/lib/grub/i386-pc/boot.img" of="$raw" bs=440 count=1 conv=notrunc status=none
dd if="$core" of="$raw" bs=512 seek=1 conv=notrunc status=none
qemu-img convert -O qcow2 "$raw" "$tmp/disk.qcow2"
rm -rf "$raw" "$root"

trap - EXIT
rm -f "$tmp"/*.log
mv "$tmp" "$final"
log "built $final (kernel $kver)"
echo "$final"
