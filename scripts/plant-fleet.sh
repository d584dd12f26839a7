#!/usr/bin/env bash
# Make the local test fleet look like nodes that need nodemend's fixes, with the test stand-ins
# (each names the release it mirrors), so that site.yaml does its real work in the dry run and
# the real run (scripts/main-job.sh). What is planted on which host: scripts/plant-fleet.ts.
# Idempotent; only ever writes under FLEET_DIR (the fleet hosts' roots), never the machine's
# own files.
#   usage: scripts/plant-fleet.sh FLEET_DIR        (PLANT_OMIT=grub leaves a piece out)
set -euo pipefail
dir=${1:?usage: plant-fleet.sh FLEET_DIR}
repo=$(cd "$(dirname "$0")/.." && pwd)
bash "$repo/scripts/run-ts.sh" "$repo/scripts/plant-fleet.ts" "$dir" "$repo"
