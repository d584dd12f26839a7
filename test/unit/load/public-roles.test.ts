/**
 * Three public roles, vendored unedited (test/fixtures/roles-public/NOTICE.md), through
 * `nodemend validate`'s loader with the variables their READMEs give for a Debian 12 host.
 * Each must load with no error; what is left is listed exactly, with its position, so a
 * fix (or a regression) changes this test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join, resolve } from 'node:path';
import { loadAll } from '../../../src/load/load.js';
import { ValidationErrors } from '../../../src/load/errors.js';
import { writeTree } from './load-helpers.js';

const ROLES = resolve(import.meta.dirname, '../../fixtures/roles-public/roles');

/** Validate a play of these roles; errors as "roles/...:line:col: message". */
async function validate(playbook: string): Promise<string[]> {
  const dir = writeTree({
    'site.yaml': playbook,
    'inventory.yaml': 'all:\n  hosts:\n    debian12: { host: 127.0.0.1 }\n',
  });
  try {
    await loadAll({ playbook: join(dir, 'site.yaml'), inventory: join(dir, 'inventory.yaml'), onWarning: () => {} });
    return [];
  } catch (e) {
    if (!(e instanceof ValidationErrors)) throw e;
    return e.errors.map((x) => x.format().replace(/^.*roles-public\//, ''));
  }
}

let saved: string | undefined;
beforeAll(() => {
  saved = process.env.NODEMEND_ROLES_PATH;
  process.env.NODEMEND_ROLES_PATH = ROLES;
});
afterAll(() => {
  if (saved === undefined) delete process.env.NODEMEND_ROLES_PATH;
  else process.env.NODEMEND_ROLES_PATH = saved;
});

/** Only the start of each message (the full text lists known modules, which grows), sorted. */
const heads = (errors: string[]): string[] => errors.map((e) => e.slice(0, 110)).sort();

describe('public roles, unedited, through nodemend validate', () => {
  it('devsec.hardening os_hardening 10.2.0 (README: `become: true`, no vars)', async () => {
    const errors = await validate('- hosts: all\n  become: true\n  roles:\n    - os_hardening\n');
    expect(heads(errors)).toEqual(heads(OS_HARDENING_LEFT));
  });

  it('geerlingguy.docker 7.4.7 (README: no vars)', async () => {
    const errors = await validate('- hosts: all\n  become: true\n  roles:\n    - geerlingguy.docker\n');
    expect(heads(errors)).toEqual(heads(DOCKER_LEFT));
  });

  it('geerlingguy.kubernetes 8.0.0 with geerlingguy.docker (README: kubernetes_allow_pods_on_control_plane)', async () => {
    const errors = await validate('- hosts: all\n  become: true\n  vars:\n    kubernetes_allow_pods_on_control_plane: true\n  roles:\n    - geerlingguy.docker\n    - geerlingguy.kubernetes\n');
    expect(heads(errors)).toEqual(heads([...DOCKER_LEFT, ...KUBERNETES_LEFT]));
  });
});

// What nodemend does not take yet, each at its position in the unedited role.
const OS_HARDENING_LEFT: string[] = [];
const DOCKER_LEFT: string[] = [];
const KUBERNETES_LEFT: string[] = [];
