import type { ModuleDef } from './types.js';
// One import per module file; add new modules to the list below.
// MODULE-IMPORTS
// node hardening (issue 13)
import sysctl from './sysctl.js';
import replace from './replace.js';
import copy from './copy.js';
import template from './template.js';
import file from './file.js';
import stat from './stat.js';
import slurp from './slurp.js';
import lineinfile from './lineinfile.js';
import blockinfile from './blockinfile.js';
import fetch from './fetch.js';
import command from './command.js';
import shell from './shell.js';
import asyncStatus from './async_status.js';
import setFact from './set_fact.js';
import assert from './assert.js';
import fail from './fail.js';
import debug from './debug.js';
import pkg, { apt, yum, dnf } from './package.js';
import service, { systemd } from './service.js';
import waitFor from './wait_for.js';
import reboot from './reboot.js';
import getUrl from './get_url.js';
import unarchive from './unarchive.js';
import meta from './meta.js';
import includeVars from './include_vars.js';
import iniFile from './ini_file.js';
import setup from './setup.js';
import find from './find.js';
import mount from './mount.js';
import pamLimits from './pam_limits.js';
import user from './user.js';
import group from './group.js';
import packageFacts from './package_facts.js';
import modprobe from './modprobe.js';
import getent from './getent.js';
import aptRepository from './apt_repository.js';
import selinux from './selinux.js';
import yumRepository from './yum_repository.js';
import rpmKey from './rpm_key.js';
import validateArgumentSpec from './validate_argument_spec.js';
import tempfile from './tempfile.js';
import pause from './pause.js';
import groupBy from './group_by.js';
import addHost from './add_host.js';
import assemble from './assemble.js';

const ALL: ModuleDef[] = [
  // MODULE-LIST
  sysctl,
  replace,
  copy,
  template,
  file,
  stat,
  slurp,
  lineinfile,
  blockinfile,
  fetch,
  command,
  shell,
  asyncStatus,
  setFact,
  assert,
  fail,
  debug,
  pkg,
  apt,
  yum,
  dnf,
  service,
  systemd,
  waitFor,
  reboot,
  getUrl,
  unarchive,
  meta,
  includeVars,
  iniFile,
  setup,
  find,
  mount,
  pamLimits,
  user,
  group,
  packageFacts,
  modprobe,
  getent,
  aptRepository,
  selinux,
  yumRepository,
  rpmKey,
  validateArgumentSpec,
  tempfile,
  pause,
  groupBy,
  addHost,
  assemble,
];

/** Modules by short name. */
export const MODULES: ReadonlyMap<string, ModuleDef> = new Map(ALL.map((m) => [m.name, m]));

const BUILTIN = 'ansible.builtin';

/** The module's fully qualified name as Ansible spells it (ansible.posix.sysctl). */
export const fqcn = (m: ModuleDef): string => `${m.collection ?? BUILTIN}.${m.name}`;

/** 2.14's second name for a module (modules/systemd_service.py is systemd.py under its newer name). */
const ALIASES: Readonly<Record<string, string>> = { systemd_service: 'systemd' };

/**
 * A module by the name a task uses: short (`sysctl`), its collection's name (`ansible.posix.sysctl`),
 * or `ansible.builtin.` / `ansible.legacy.` + short, which Ansible 2.14 routes to the collection too
 * (config/ansible_builtin_runtime.yml).
 */
export function findModule(name: string): ModuleDef | undefined {
  const dot = name.lastIndexOf('.');
  if (dot < 0) return MODULES.get(ALIASES[name] ?? name);
  const short = name.slice(dot + 1);
  const m = MODULES.get(ALIASES[short] ?? short);
  const ns = name.slice(0, dot);
  return m && (ns === BUILTIN || ns === 'ansible.legacy' || ns === (m.collection ?? BUILTIN)) ? m : undefined;
}

/**
 * Every name findModule accepts, with its module: the short name and 2.14's second names, each also
 * as `ansible.builtin.` / `ansible.legacy.` + short and under the module's own collection (the
 * editor schema lists exactly these).
 */
export function acceptedModuleNames(): [string, ModuleDef][] {
  return [...MODULES.values()].flatMap((m) => {
    const shorts = [m.name, ...Object.keys(ALIASES).filter((a) => ALIASES[a] === m.name)];
    const spaces = [BUILTIN, 'ansible.legacy', ...(m.collection ? [m.collection] : [])];
    return shorts.flatMap((short) => [short, ...spaces.map((ns) => `${ns}.${short}`)].map((n): [string, ModuleDef] => [n, m]));
  });
}

/** Every name a task may use for a module, for "did you mean". */
export function moduleNames(): string[] {
  return [...MODULES.values()].flatMap((m) => (m.collection ? [m.name, fqcn(m)] : [m.name]));
}

/** `community.general.sysctl` → ` (sysctl is ansible.posix.sysctl)`: the right collection for a known short name. */
export function collectionHint(name: string): string {
  const dot = name.lastIndexOf('.');
  const m = dot < 0 ? undefined : MODULES.get(name.slice(dot + 1));
  return m ? ` ("${m.name}" is ${fqcn(m)})` : '';
}
