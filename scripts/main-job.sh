#!/usr/bin/env bash
# The main job on a fresh Debian machine (as root): install what nodemend needs,
# bring up the local test fleet, then run the hardening playbook the way an
# operator would before and during a maintenance window:
#   1. --check --diff   (what would change; nothing is touched)
#   2. for real         (must change exactly what step 1 predicted)
#   3. again            (must report changed=0 on every host)
set -euo pipefail
cd "$(dirname "$0")/.."
HOSTS=${HOSTS:-3}
PLAYBOOK=${PLAYBOOK:-playbooks/site.yaml}
# Another fleet may hold the default directory/ports on a shared machine: FLEET_DIR, FLEET_PORT.
FLEET_DIR=${FLEET_DIR:-.fleet}
FLEET_PORT=${FLEET_PORT:-22200}

bash scripts/install.sh
node dist/nodemend.mjs fleet up "$HOSTS" --dir "$FLEET_DIR" --base-port "$FLEET_PORT"
# The kubelet build needs a Kubernetes source tree on the builder (node1): the test fixture
# stands in for the operator's checkout (see playbooks/vars/local-fleet.yaml).
src="$FLEET_DIR/hosts/node1/merged/opt/src/kubernetes"
[ -d "$src" ] || { mkdir -p "$(dirname "$src")" && cp -a test/fixtures/kubelet-src-1.14 "$src"; }
# Nodes that need the fixes: the test stand-ins planted on every fleet host (idempotent, fleet only).
bash scripts/plant-fleet.sh "$FLEET_DIR"
nm() { node dist/nodemend.mjs run "$PLAYBOOK" -i "$FLEET_DIR/inventory.yaml" -e @playbooks/vars/local-fleet.yaml "$@"; }

echo "== 1/3: dry run with diffs (nothing changes)"
nm --check --diff --json reports/check.json
echo "== 2/3: real run"
nm --json reports/run.json
# The dry run must have predicted exactly what the real run changed, task by task.
node -e '
  const changed = (f) => Object.entries(require(f).hosts).flatMap(([h, r]) =>
    r.tasks.filter((t) => t.changed).map((t) => h + " " + t.task + (t.item === undefined ? "" : " " + JSON.stringify(t.item)))).sort();
  const [p, d] = [changed("./reports/check.json"), changed("./reports/run.json")];
  const miss = d.filter((x) => !p.includes(x)), extra = p.filter((x) => !d.includes(x));
  if (miss.length || extra.length) { console.error("check mode was not exact:\n  not predicted: " + miss.join("\n    ") + "\n  predicted only: " + extra.join("\n    ")); process.exit(1); }
  console.log("check mode predicted all " + d.length + " changes exactly");
  // per playbook (site.yaml runs them in order; a task belongs to the play whose name it ran under)
  const per = (f) => { const c = {}; for (const [, r] of Object.entries(require(f).hosts)) for (const t of r.tasks) if (t.changed) c[t.play ?? "?"] = (c[t.play ?? "?"] ?? 0) + 1; return c; };
  const [pc, rc] = [per("./reports/check.json"), per("./reports/run.json")];
  for (const k of new Set([...Object.keys(pc), ...Object.keys(rc)])) console.log("  " + k + ": predicted " + (pc[k] ?? 0) + ", changed " + (rc[k] ?? 0));
'
echo "== 3/3: rerun: every host must report changed=0"
nm --json reports/rerun.json
node -e '
  const r = require("./reports/rerun.json");
  const changed = Object.entries(r.hosts).filter(([, h]) => h.recap.changed > 0).map(([n]) => n);
  if (changed.length) { console.error("not idempotent on: " + changed.join(", ")); process.exit(1); }
  console.log("rerun: changed=0 on all " + Object.keys(r.hosts).length + " hosts");
'
