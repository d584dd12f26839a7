/** A templated serial (per-playbook settings such as docker_serial) is rendered at load time from play vars and -e. */
import { describe, expect, it } from 'vitest';
import { loadTree } from './load-helpers.js';

const site = '- hosts: all\n  serial: "{{ roll | default(1) }}"\n  tasks: []\n';

describe('templated serial', () => {
  it.each([
    [[], [1]],
    [['roll=2'], [2]],
    [['roll=50%'], ['50%']],
    [['{"roll": [1, "10%", "50%"]}'], [1, '10%', '50%']],
    [['roll=[1,25%]'], [1, '25%']],
  ])('-e %j → %j', async (extra, want) => {
    const o = await loadTree({ 'site.yaml': site }, { extraVars: extra });
    expect(o.errors).toEqual([]);
    expect(o.loaded!.playbook.plays[0].serial).toEqual(want);
  });

  it('a rendered value that is no batch size is an error before any host is touched', async () => {
    const o = await loadTree({ 'site.yaml': site }, { extraVars: ['roll=abc'] });
    expect(o.errors[0]).toMatch(/^site\.yaml:1:3: serial "abc": must be an integer/);
  });
});
