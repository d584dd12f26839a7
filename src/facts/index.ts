import type { FactDef } from './types.js';
import osFacts from './os.js';
import kernelFacts from './kernel.js';
import packageFacts from './packages.js';
import ansibleSources from './ansible.js';
import networkFacts from './network.js';
import userFacts from './user.js';
import virtualFacts from './virtual.js';
import mountFacts from './mounts.js';
import selinuxFacts from './selinux.js';
import clockFacts from './clock.js';
import systemFacts from './system.js';
import hardwareFacts from './hardware.js';
import localFacts from './local.js';
import distributionFacts from './distribution.js';

/** Every fact nodemend knows, by name. One file per domain adds its list here. */
export const FACTS: ReadonlyMap<string, FactDef> = new Map(
  [
    ...osFacts,
    ...kernelFacts,
    ...packageFacts,
    ...ansibleSources,
    ...networkFacts,
    ...selinuxFacts,
    ...userFacts,
    ...virtualFacts,
    ...mountFacts,
    ...clockFacts,
    ...systemFacts,
    ...hardwareFacts,
    ...localFacts,
    ...distributionFacts,
  ].map((f) => [f.name, f as FactDef]),
);
