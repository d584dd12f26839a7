/**
 * Bad input that only the whole load can see (src/load/static-checks.ts, the inventory's
 * identity files, alias bombs): reported with file:line:col by `validate` and `run`, and no
 * host is contacted (the inventory points at a TCP listener that counts connections).
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTree, writeTree } from './load-helpers.js';
import { assertBuilt, runCli, connectionCounter } from '../../setup/cli.js';

describe('controller files named by src', () => {
  it('a missing template, copy or unarchive src is an error at the argument', async () => {
    const r = await loadTree({
      'templates/ok.hbs': 'x',
      'site.yaml': [
        '- hosts: all',
        '  tasks:',
        '    - template: { src: ok.hbs, dest: /tmp/a }',
        '    - template: { src: gone.hbs, dest: /tmp/a }',
        '    - copy: src=gone.txt dest=/tmp/b',
        '    - unarchive: { src: gone.tgz, dest: /tmp }',
        '    - unarchive: { src: gone.tgz, dest: /tmp, remote_src: true }',
        '    - copy: { content: "x", dest: /tmp/c }',
        '',
      ].join('\n'),
    });
    expect(r.errors).toEqual([
      expect.stringMatching(/^site\.yaml:4:24: template src "gone\.hbs" does not exist; looked at .*templates\/gone\.hbs, /),
      expect.stringMatching(/^site\.yaml:5:13: copy src "gone\.txt" does not exist; looked at .*files\/gone\.txt, /),
      expect.stringMatching(/^site\.yaml:6:25: unarchive src "gone\.tgz" does not exist/),
    ]);
  });

  it('a templated src is rendered from what is known now: play vars, vars files, -e, inventory vars, a static loop', async () => {
    const r = await loadTree(
      {
        'inventory.yaml': 'all:\n  vars: { inv_tpl: inv-gone.hbs }\n  hosts:\n    node1:\n    node2: { vars: { per_host: h2-gone.hbs } }\n',
        'templates/ok.hbs': 'x',
        'vars/v.yaml': 'from_file: file-gone.hbs\n',
        'site.yaml': [
          '- hosts: all',
          '  vars_files: [vars/v.yaml]',
          '  vars: { tpl: play-gone.hbs, good: ok.hbs }',
          '  tasks:',
          '    - template: { src: "{{ tpl }}", dest: /tmp/a }',
          '    - template: { src: "{{ from_file }}", dest: /tmp/a }',
          '    - template: { src: "{{ inv_tpl }}", dest: /tmp/a }',
          '    - template: { src: "{{ per_host | default(good) }}", dest: /tmp/a }',
          '    - template: { src: "{{ item }}.hbs", dest: /tmp/a }',
          '      loop: [ok, loop-gone]',
          '    - template: { src: "{{ cli }}", dest: /tmp/a }',
          '    - template: { src: "{{ good }}", dest: /tmp/a }',
          '',
        ].join('\n'),
      },
      { extraVars: ['cli=cli-gone.hbs'] },
    );
    const got = r.errors.map((e) => /^(site\.yaml:\d+:\d+): template src "[^"]*" \(= "([^"]*)"\)/.exec(e)?.slice(1).join(' ') ?? e);
    expect(got).toEqual([
      'site.yaml:5:25 play-gone.hbs',
      'site.yaml:6:25 file-gone.hbs',
      'site.yaml:7:25 inv-gone.hbs',
      'site.yaml:8:25 h2-gone.hbs',
      'site.yaml:9:25 loop-gone.hbs',
      'site.yaml:11:25 cli-gone.hbs',
    ]);
  });

  it('leaves alone what only a run knows: facts, registered results, set_fact, a fetched file', async () => {
    const r = await loadTree({
      'site.yaml': [
        '- hosts: all',
        '  tasks:',
        '    - template: { src: "{{ facts.hostname }}.hbs", dest: /tmp/a }',
        '    - command: echo x.hbs',
        '      register: r',
        '    - template: { src: "{{ r.stdout }}", dest: /tmp/a }',
        '    - set_fact: { name: later.hbs }',
        '    - template: { src: "{{ name }}", dest: /tmp/a }',
        '    - fetch: { src: /etc/hostname, dest: fetched/ }',
        '    - copy: { src: fetched/node1/etc/hostname, dest: /tmp/h }',
        '',
      ].join('\n'),
    });
    expect(r.errors).toEqual([]);
  });

  it("a pipe lookup's output: its command runs when the task runs, never while the playbook loads", async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'nm-static-pipe-')), 'ran');
    const r = await loadTree({
      'site.yaml': [
        '- hosts: all',
        '  tasks:',
        `    - template: { src: "{{ lookup('pipe', 'touch ${marker}; echo gone.hbs') }}", dest: /tmp/a }`,
        '    - debug: var=item',
        `      with_pipe: touch ${marker}`,
        '',
      ].join('\n'),
    });
    expect(r.errors).toEqual([]);
    expect(existsSync(marker)).toBe(false);
    // (control) the same template's src, known now, is checked
    const bad = await loadTree({ 'site.yaml': ['- hosts: all', '  tasks:', `    - template: { src: "{{ 'gone' }}.hbs", dest: /tmp/a }`, ''].join('\n') });
    expect(bad.errors).toEqual([expect.stringMatching(/template src .* \(= "gone\.hbs"\) does not exist/)]);
  });
});

describe('names in when:', () => {
  it('a name nothing defines is an error at its column; guarded, registered, set, looped and magic names are not', async () => {
    const r = await loadTree(
      {
        'inventory.yaml': 'all:\n  vars: { inv_var: 1 }\n  hosts:\n    node1:\n',
        'site.yaml': [
          '- hosts: all',
          '  vars: { play_var: 1 }',
          '  tasks:',
          '    - debug: { msg: a }',
          '      when: play_var == 1 and nowhere_defined == 2',
          '    - debug: { msg: b }',
          '      when:',
          '        - maybe is defined and maybe',
          '        - (other | default(0)) == 0 and inv_var and cli_var',
          '        - r.rc == 0 and facts.kernel and inventory_hostname and ansible_distribution is defined',
          '        - item and fact_later',
          '      loop: [1]',
          '      register: r',
          '    - set_fact: { fact_later: 1 }',
          '    - debug: { msg: c }',
          '      when: "{{ play_vars }} == 1"',
          '',
        ].join('\n'),
      },
      { extraVars: ['cli_var=1'] },
    );
    expect(r.errors).toEqual([
      expect.stringMatching(/^site\.yaml:5:31: when: "nowhere_defined" is defined nowhere .*test it with "nowhere_defined is defined"/),
      expect.stringMatching(/^site\.yaml:16:17: when: "play_vars" is defined nowhere .*did you mean "play_var"/),
    ]);
  });
});

describe('nothing is contacted on bad input', () => {
  const listener = connectionCounter();
  beforeAll(() => assertBuilt());

  const bomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (const [prev, cur] of ['ab', 'bc', 'cd', 'de', 'ef', 'fg', 'gh', 'hi']) bomb.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`);

  const cases: [string, Record<string, string>, RegExp][] = [
    ['missing template src', { 'pb.yaml': '- hosts: all\n  tasks:\n    - template: { src: gone.hbs, dest: /tmp/x }\n' }, /pb\.yaml:3:24: template src "gone\.hbs" does not exist/],
    [
      'templated src from play vars',
      { 'pb.yaml': '- hosts: all\n  vars: { t: gone.hbs }\n  tasks:\n    - template: { src: "{{ t }}", dest: /tmp/x }\n' },
      /pb\.yaml:4:25: template src "\{\{ t \}\}" \(= "gone\.hbs"\)/,
    ],
    [
      'missing identity_file',
      { 'pb.yaml': '- hosts: all\n  tasks:\n    - debug: { msg: hi }\n', 'inv-key.yaml': 'all:\n  hosts:\n    h1: { host: 127.0.0.1, port: PORT, identity_file: keys/gone }\n' },
      /inv-key\.yaml:3:\d+: identity_file \S*keys\/gone does not exist/,
    ],
    ['undefined name in when', { 'pb.yaml': '- hosts: all\n  tasks:\n    - debug: { msg: hi }\n      when: nowhere == 1\n' }, /pb\.yaml:4:13: when: "nowhere" is defined nowhere/],
    [
      'alias bomb in a vars file',
      { 'pb.yaml': '- hosts: all\n  vars_files: [bomb.yaml]\n  tasks:\n    - debug: { msg: hi }\n', 'bomb.yaml': bomb.join('\n') + '\n' },
      /bomb\.yaml:6:8: aliases here expand the document to more than \d+ values/,
    ],
  ];
  it.each(cases)('%s: validate and run exit 1 with file:line:col, no connection made', async (_name, files, expected) => {
    const dir = writeTree(files);
    const custom = Object.keys(files).find((f) => f.startsWith('inv'));
    const inv = join(dir, custom ?? 'inventory.yaml');
    const text = custom ? files[custom] : 'all:\n  hosts:\n    h1: { host: 127.0.0.1, port: PORT, connect_timeout: 2, password: x }\n';
    writeFileSync(inv, text.replace('PORT', String(listener.port())));
    for (const cmd of ['validate', 'run']) {
      const r = await runCli([cmd, join(dir, 'pb.yaml'), '-i', inv], { cwd: dir });
      expect(r.code, `${cmd}: ${r.stdout}${r.stderr}`).toBe(1);
      expect(r.stderr).toMatch(expected);
      expect(r.stderr).toContain('no host was contacted');
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect(listener.count()).toBe(0);
  });

  it('-i given twice: exit 1 naming both files (Ansible merges them; nodemend used the last one alone), no connection made', async () => {
    const dir = writeTree({ 'pb.yaml': '- hosts: all\n  tasks:\n    - command: "true"\n' });
    const inv = (name: string): string => {
      writeFileSync(join(dir, name), `all:\n  hosts:\n    ${name}: { host: 127.0.0.1, port: ${listener.port()}, connect_timeout: 2, password: x }\n`);
      return join(dir, name);
    };
    const [a, b] = [inv('a.yaml'), inv('b.yaml')];
    for (const cmd of ['validate', 'run']) {
      const r = await runCli([cmd, join(dir, 'pb.yaml'), '-i', a, '-i', b], { cwd: dir });
      expect(r.code, `${cmd}: ${r.stdout}${r.stderr}`).toBe(1);
      expect(r.stderr).toContain(`nodemend reads one inventory file, given twice (${a}, then ${b})`);
    }
    expect(listener.count()).toBe(0);
  });

  it('(control) the same inventory with good input is contacted: the counter counts', async () => {
    const dir = writeTree({
      'pb.yaml': '- hosts: all\n  tasks:\n    - command: "true"\n',
      'inventory.yaml': `all:\n  hosts:\n    h1: { host: 127.0.0.1, port: ${listener.port()}, connect_timeout: 2, password: x }\n`,
    });
    const before = listener.count();
    const r = await runCli(['run', join(dir, 'pb.yaml'), '-i', join(dir, 'inventory.yaml')], { cwd: dir });
    expect(r.code).toBe(4); // unreachable: the listener is no sshd
    expect(listener.count()).toBeGreaterThan(before);
  });
});
