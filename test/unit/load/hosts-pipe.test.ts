/**
 * A pipe lookup in a templated `hosts:` or `serial:`: `nodemend run` renders them when the playbook loads,
 * before any host, running the command once in the playbook's directory (2.14 runs it at the play's start,
 * twice for hosts, also under --syntax-check: README "Choices"); `nodemend validate` (noCommands) runs
 * nothing and says so, the play's hosts or batches left unknown.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertBuilt, runCli } from '../../setup/cli.js';
import { DEFAULT_INVENTORY, loadTree, writeTree } from './load-helpers.js';

const site = (hosts: string, serial: string | number = 1): string => `- hosts: "${hosts}"\n  serial: ${JSON.stringify(serial)}\n  gather_facts: false\n  tasks:\n    - debug: { msg: hi }\n`;
const pipe = (cmd: string): string => `{{ lookup('pipe', '${cmd}') }}`;
const dirOf = (o: { loaded?: { playbook: { plays: { dir: string }[] } } }): string => o.loaded!.playbook.plays[0].dir;

describe('a pipe lookup in hosts: or serial:', () => {
  it('validate runs no command: no file made, a warning, the play checked for no host', async () => {
    const o = await loadTree({ 'site.yaml': site(pipe('touch ran; echo node2')) }, { noCommands: true });
    expect(o.errors).toEqual([]);
    expect(existsSync(join(dirOf(o), 'ran'))).toBe(false);
    expect(o.loaded!.hostsByPlay).toEqual([[]]);
    expect(o.warnings).toEqual([
      "site.yaml:1:10: not run by validate: lookup_plugin.pipe(touch ran; echo node2) (a templated hosts: or serial: runs it when the playbook runs); the play's tasks are checked for no host",
    ]);
  });

  it('validate leaves a piped serial unrendered, the hosts known', async () => {
    const o = await loadTree({ 'site.yaml': site('node1', pipe('touch ran; echo 2')) }, { noCommands: true });
    expect(o.errors).toEqual([]);
    expect(existsSync(join(dirOf(o), 'ran'))).toBe(false);
    expect(o.loaded!.hostsByPlay).toEqual([['node1']]);
    expect(o.warnings).toEqual(['site.yaml:1:10: not run by validate: lookup_plugin.pipe(touch ran; echo 2) (a templated hosts: or serial: runs it when the playbook runs)']);
  });

  it("a run's load runs each once, in the playbook's directory, and plays the hosts and batches they print", async () => {
    const o = await loadTree({ 'site.yaml': site(pipe('echo h >> log; echo node2'), pipe('echo s >> log; echo 2')) });
    expect(o.errors).toEqual([]);
    expect(readFileSync(join(dirOf(o), 'log'), 'utf8')).toBe('h\ns\n');
    expect(o.loaded!.hostsByPlay).toEqual([['node2']]);
    expect(o.loaded!.playbook.plays[0].serial).toEqual([2]);
  });

  it('nodemend validate is that load: exit 0 with the warning, no file made', async () => {
    assertBuilt();
    const dir = writeTree({ 'site.yaml': site(pipe('touch ran; echo node1')), 'inventory.yaml': DEFAULT_INVENTORY });
    const r = await runCli(['validate', join(dir, 'site.yaml'), '-i', join(dir, 'inventory.yaml')], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('not run by validate: lookup_plugin.pipe(touch ran; echo node1)');
    expect(existsSync(join(dir, 'ran'))).toBe(false);
  });
});
