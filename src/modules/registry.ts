import type { ModuleDef } from './types.js';
// One import per module file; add new modules to the list below.
// MODULE-IMPORTS
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

const ALL: ModuleDef[] = [
  // MODULE-LIST
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
];

/** Modules by name; `ansible.builtin.x` and short `x` both resolve. */
export const MODULES: ReadonlyMap<string, ModuleDef> = new Map(ALL.map((m) => [m.name, m]));

export function findModule(name: string): ModuleDef | undefined {
  return MODULES.get(name.replace(/^ansible\.builtin\./, ''));
}
