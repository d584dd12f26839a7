#!/usr/bin/env bash
# The main job on a fresh Debian machine (as root): install what nodemend needs,
# bring up the local test fleet, then run the hardening playbook the way an
# operator would before and during a maintenance window:
#   1. --check --diff   (what would change; nothing is touched)
#   2. for real         (must change exactly what step 1 predicted)
#   3. again            (must report changed=0 on every host)
# and fail unless every play that changes hosts did change something in step 2.
set -euo pipefail
cd "$(dirname "$0")/.."
HOSTS=${HOSTS:-3}
PLAYBOOK=${PLAYBOOK:-playbooks/site.yaml}
# Another fleet may hold the default directory/ports on a shared machine: FLEET_DIR, FLEET_PORT.
FLEET_DIR=${FLEET_DIR:-.fleet}
FLEET_PORT=${FLEET_PORT:-22200}
REPORTS=${REPORTS:-reports}

# NODEMEND_SKIP_INSTALL=1: the machine is set up already (the fleet test of this job)
[ "${NODEMEND_SKIP_INSTALL:-}" = 1 ] || bash scripts/install.sh
node dist/nodemend.mjs fleet up "$HOSTS" --dir "$FLEET_DIR" --base-port "$FLEET_PORT"
# The kubelet build needs a Kubernetes source tree on the builder (node1): the test fixture
# stands in for the operator's checkout (see playbooks/vars/local-fleet.yaml).
src="$FLEET_DIR/hosts/node1/merged/opt/src/kubernetes"
[ -d "$src" ] || { mkdir -p "$(dirname "$src")" && cp -a test/fixtures/kubelet-src-1.14 "$src"; }
# Nodes that need the fixes: the test stand-ins planted on every fleet host (idempotent, fleet only).
bash scripts/plant-fleet.sh "$FLEET_DIR"
# Per fleet: the kpatch v0.9.7 source tarball plant-fleet.sh made in the fleet dir
# (local-fleet.yaml's default is .fleet's), and the controller's copy of the modules built
# there (a module another fleet's run left behind would make the dry run's fetch inexact).
nm() {
  node dist/nodemend.mjs run "$PLAYBOOK" -i "$FLEET_DIR/inventory.yaml" -e @playbooks/vars/local-fleet.yaml \
    -e kpatch_src_tarball="$FLEET_DIR/kpatch-0.9.7.tar.gz" -e nodemend_artifacts="$FLEET_DIR/artifacts" "$@"
}
mkdir -p "$REPORTS"
# step NAME ARGS...: one run of the playbook, timed (wall seconds) into $times
times=""
step() {
  local name=$1 t0
  shift
  t0=$(date +%s.%N)
  nm "$@"
  times="$times $name $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f s", b - a }'),"
}

echo "== 1/3: dry run with diffs (nothing changes)"
step check --check --diff --json "$REPORTS/check.json"
echo "== 2/3: real run"
step run --json "$REPORTS/run.json"
echo "== 3/3: rerun"
step rerun --json "$REPORTS/rerun.json"
echo "wall times:${times%,}"
# The verdict (scripts/main-job-report.ts): the dry run predicted exactly what the real run
# changed; every play that changes hosts changed something (none silently skipped) and every
# read-only play ran; the rerun changed nothing. Prints per play: predicted, changed.
bash scripts/run-ts.sh scripts/main-job-report.ts "$PLAYBOOK" "$REPORTS/check.json" "$REPORTS/run.json" "$REPORTS/rerun.json"
