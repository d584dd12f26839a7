import { describe, expect, it } from 'vitest';
import { loadTree, play } from './load-helpers.js';

/** Each case: files, then the exact errors (file:line:col: message) and their codes. */
interface Case {
  name: string;
  files: Record<string, string>;
  errors: string[];
  codes?: string[];
}

const cases: Case[] = [
  {
    name: 'unknown task key, with did-you-mean',
    files: { 'site.yaml': play('    - name: t\n      command: ls\n      whne: x == 1\n') },
    errors: ['site.yaml:5:7: unknown key "whne" in task (did you mean "when"?)'],
    codes: ['unknown-key'],
  },
  {
    name: 'unknown play key, with did-you-mean',
    files: { 'site.yaml': '- hosts: all\n  become_usr: root\n  tasks: []\n' },
    errors: ['site.yaml:2:3: unknown key "become_usr" in play (did you mean "become_user"?)'],
    codes: ['unknown-key'],
  },
  {
    name: 'unknown module, with suggestion',
    files: { 'site.yaml': play('    - name: t\n      comand: ls\n') },
    errors: ['site.yaml:4:7: unknown module "comand" (did you mean "command"?)'],
    codes: ['unknown-module'],
  },
  {
    name: 'wrong types on a play and a task',
    files: { 'site.yaml': '- hosts: all\n  become: maybe\n  tasks:\n    - command: ls\n      retries: many\n      delay: -1\n' },
    errors: [
      'site.yaml:2:11: "become" must be a boolean (true/false, yes/no) or a "{{ expression }}" giving one, got string "maybe"',
      'site.yaml:5:16: "retries" must be a number, got string "many"',
      'site.yaml:6:14: "delay" must be >=0, got number -1',
    ],
    codes: ['schema', 'schema', 'schema'],
  },
  {
    name: 'missing hosts',
    files: { 'site.yaml': '- name: nothing\n  tasks: []\n' },
    errors: ['site.yaml:1:3: missing required key "hosts" in play: expected a string or a list'],
  },
  {
    name: 'bad expression inside a when (plain, quoted, in a list, wrapped in {{ }})',
    files: {
      'site.yaml': play(
        [
          '    - command: ls',
          '      when: x == (1',
          '    - command: ls',
          '      when: "x == (1"',
          '    - command: ls',
          '      when: [a, "b and"]',
          '    - command: ls',
          '      when: "{{ x == }}"',
          '',
        ].join('\n'),
      ),
    },
    errors: [
      "site.yaml:4:20: expected ')' to close '(', got end of expression",
      "site.yaml:6:21: expected ')' to close '(', got end of expression",
      'site.yaml:8:23: expected an expression, got end of expression',
      'site.yaml:10:21: expected an expression, got end of expression',
    ],
    codes: ['expression', 'expression', 'expression', 'expression'],
  },
  {
    name: 'bad expressions in changed_when, failed_when, until, assert that',
    files: {
      'site.yaml': play('    - command: ls\n      register: r\n      changed_when: r.rc ==\n      failed_when: r.rc !== 1\n      until: (r\n    - assert: { that: ["x ==", "y"] }\n'),
    },
    errors: [
      'site.yaml:5:28: expected an expression, got end of expression',
      "site.yaml:6:27: expected an expression, got '='",
      "site.yaml:7:16: expected ')' to close '(', got end of expression",
      'site.yaml:8:29: expected an expression, got end of expression',
    ],
  },
  {
    name: 'bad templates in arguments, vars, loop; {% %} blocks',
    files: {
      'site.yaml': [
        '- hosts: all',
        '  vars:',
        '    a: "{{ b +* c }}"',
        '  tasks:',
        '    - debug: { msg: "hello {{ name | }}" }',
        '    - command: echo {{ x',
        '    - debug: { msg: "{% if x %}y{% endfi %}" }',
        '    - command: ls',
        '      loop: "{{ items | }}"',
        '      vars: { v: [ok, "{{ (y }}"] }',
        '',
      ].join('\n'),
    },
    errors: [
      "site.yaml:3:15: expected an expression, got '*'",
      "site.yaml:5:38: expected a filter name after '|', got '}}'",
      "site.yaml:6:21: expected '}}' to close '{{'",
      "site.yaml:7:36: unknown statement 'endfi' (statements: if, for, set, raw, macro, call, include, import, from)",
      "site.yaml:9:25: expected a filter name after '|', got '}}'",
      "site.yaml:10:30: unexpected '}': expected ')' to close '('",
    ],
  },
  {
    name: 'bad templates in a play name and become_user',
    files: { 'site.yaml': '- name: "deploy {{ x | }}"\n  hosts: all\n  become_user: "{{ u +}}"\n  tasks: []\n' },
    errors: ["site.yaml:1:24: expected a filter name after '|', got '}}'", "site.yaml:3:23: expected an expression, got '}}'"],
  },
  {
    name: 'bad expression in a multi-line scalar: its first text line, no column',
    files: { 'site.yaml': play('    - command: ls\n      when: >\n        x and\n        (y\n') },
    errors: ["site.yaml:5: expected ')' to close '(', got end of expression"],
  },
  {
    name: 'templated hosts with an undefined variable',
    files: { 'site.yaml': '- hosts: "{{ target }}"\n  tasks: []\n' },
    errors: ["site.yaml:1:10: hosts pattern: 'target' is undefined (only play vars and extra vars -e are known here)"],
    codes: ['undefined-variable'],
  },
  {
    name: 'include cycle',
    files: {
      'site.yaml': play('    - include_tasks: a.yaml\n'),
      'a.yaml': '- include_tasks: b.yaml\n',
      'b.yaml': '- debug: { msg: b }\n- import_tasks: a.yaml\n',
    },
    errors: ['b.yaml:2:17: include cycle: a.yaml → b.yaml → a.yaml'],
  },
  {
    name: 'a file including itself',
    files: { 'site.yaml': play('    - include_tasks: { file: self.yaml }\n'), 'self.yaml': '- include_tasks: self.yaml\n' },
    errors: ['self.yaml:1:18: include cycle: self.yaml → self.yaml'],
  },
  {
    name: 'missing include',
    files: { 'site.yaml': play('    - include_tasks: nope.yaml\n') },
    errors: ['site.yaml:3:22: cannot read tasks file nope.yaml: no such file'],
    codes: ['file-not-found'],
  },
  {
    name: 'templated import path',
    files: { 'site.yaml': play('    - import_tasks: "{{ os }}.yaml"\n') },
    errors: ['site.yaml:3:21: import_tasks path "{{ os }}.yaml" is templated: an import is read before any host, use include_tasks for a name from facts or host vars'],
  },
  {
    name: 'missing notify handler',
    files: {
      'site.yaml':
        '- name: web\n  hosts: all\n  tasks:\n    - command: ls\n      notify: [restart kubelet, reload]\n  handlers:\n    - name: restart kubelt\n      command: systemctl restart kubelet\n',
    },
    errors: [
      'site.yaml:5:16: no handler named "restart kubelet" in play "web" (did you mean "restart kubelt"?); handlers: "restart kubelt"',
      'site.yaml:5:33: no handler named "reload" in play "web"; handlers: "restart kubelt"',
    ],
  },
  {
    name: 'notify in an included file, no handlers at all',
    files: { 'site.yaml': play('    - import_tasks: t.yaml\n'), 't.yaml': '- command: ls\n  notify: restart\n' },
    errors: ['t.yaml:2:11: no handler named "restart" in play "all"; the play has no handlers'],
  },
  {
    name: 'duplicate key',
    files: { 'site.yaml': play('    - command: ls\n      command: pwd\n') },
    errors: ['site.yaml:4:7: duplicate key "command": a mapping must not repeat a key'],
    codes: ['yaml-syntax'],
  },
  {
    name: 'YAML syntax error (an unclosed quote is noticed where the input ends)',
    files: { 'site.yaml': '- hosts: all\n  tasks:\n    - command: "ls\n' },
    errors: ['site.yaml:4:1: YAML syntax error: Missing closing "quote'],
    codes: ['yaml-syntax'],
  },
  {
    name: 'YAML syntax error: bad indentation',
    files: { 'site.yaml': '- hosts: all\n  tasks:\n    - command: ls\n   bad: x\n' },
    errors: ['site.yaml:4:4: YAML syntax error: All mapping items must start at the same column'],
  },
  {
    name: 'unknown tag such as !vault',
    files: { 'site.yaml': '- hosts: all\n  vars:\n    secret: !vault |\n      abc\n  tasks: []\n' },
    errors: ['site.yaml:3:13: Unresolved tag: !vault: nodemend knows no custom YAML tags (such as !vault); use a plain value'],
    codes: ['yaml-syntax'],
  },
  {
    name: 'two module keys',
    files: { 'site.yaml': play('    - command: ls\n      shell: pwd\n') },
    errors: ['site.yaml:4:7: a task runs exactly one module, but this one has two: "command" (line 3) and "shell"'],
  },
  {
    name: 'bad host pattern',
    files: { 'site.yaml': '- hosts: "web:!"\n  tasks: []\n' },
    errors: ['site.yaml:1:10: bad host pattern "web:!": empty term after "!" (terms are separated by "," or ":")'],
    codes: ['host-pattern'],
  },
  {
    name: 'a host pattern subscript past the end',
    files: { 'site.yaml': '- hosts: "all[9]"\n  tasks: []\n' },
    errors: ["site.yaml:1:10: No hosts matched the subscripted pattern 'all[9]'"],
    codes: ['host-pattern'],
  },
  {
    name: 'bad regex in a host pattern',
    files: { 'site.yaml': '- hosts: ~node[\n  tasks: []\n' },
    errors: ['site.yaml:1:10: bad host pattern "~node[": invalid regular expression ~node[: /node[/: Unterminated character class'],
  },
  {
    // Was a stack trace ("Merge sources must be maps or map aliases"), in play vars and in a vars file.
    name: 'a << merge of a scalar in play vars',
    files: { 'site.yaml': '- hosts: all\n  vars:\n    b:\n      <<: x\n  tasks: []\n' },
    errors: ['site.yaml:4:11: a "<<" merge takes a mapping, an alias of one, or a list of those'],
  },
  {
    name: 'a << merge of a list holding a scalar in a vars file',
    files: { 'site.yaml': '- hosts: all\n  vars_files: [v.yaml]\n  tasks: []\n', 'v.yaml': 'a: 1\nb:\n  <<: [x, 3]\n' },
    errors: ['v.yaml:3:8: a "<<" merge takes a mapping, an alias of one, or a list of those'],
  },
  {
    name: 'bad serial',
    files: { 'site.yaml': '- hosts: all\n  serial: abc\n  tasks: []\n- hosts: all\n  serial: [1, 1.5]\n  tasks: []\n' },
    errors: [
      'site.yaml:2:11: "serial" must be an integer, a percentage such as "30%", or a non-empty list of them, got string "abc"',
      'site.yaml:5:11: "serial" must be an integer, a percentage such as "30%", or a non-empty list of them, got a list',
    ],
  },
  {
    name: 'unknown module argument, with suggestion',
    files: { 'site.yaml': play('    - debug: { mgs: hi }\n') },
    errors: ['site.yaml:3:16: unknown argument "mgs" for module "debug" (did you mean "msg"?)'],
    codes: ['unknown-key'],
  },
  {
    name: 'module argument of the wrong type; unknown key in args:',
    files: { 'site.yaml': play('    - command: ls\n      args: { chdir: [a], creats: /x }\n') },
    errors: ['site.yaml:4:22: "chdir" must be a string, got a list', 'site.yaml:4:27: unknown argument "creats" for module "command" (did you mean "creates"?)'],
  },
  {
    name: 'string arguments for a module without free form',
    files: { 'site.yaml': play('    - debug: hello\n') },
    errors: ['site.yaml:3:14: module "debug" takes key=value arguments or a mapping; "hello" is not key=value'],
  },
  {
    name: 'task without a module',
    files: { 'site.yaml': play('    - name: nothing to do\n      register: x\n') },
    errors: [expect.stringMatching(/^site\.yaml:3:7: task has no module; expected one module key \(modules: .*command.*\)$/) as unknown as string],
  },
  {
    name: 'a task that is not a mapping',
    files: { 'site.yaml': play('    - just words\n') },
    errors: ['site.yaml:3:7: a task must be a mapping (name:, a module key and its arguments), got string "just words"'],
  },
  {
    // with_file's and with_env's plain string is one term, as 2.14's listify_lookup_plugin_terms makes it: no error.
    name: 'listen outside handlers, loop that is not a list, bad register name',
    files: {
      'site.yaml': play(
        '    - command: ls\n      listen: x\n    - command: ls\n      loop: a,b\n      register: 1st\n    - debug: { msg: x }\n      with_file: a.txt\n    - debug: { msg: x }\n      with_env: HOME\n',
      ),
    },
    errors: [
      'site.yaml:4:7: "listen" is only valid on handlers',
      'site.yaml:6:13: "loop" must be a list or a "{{ expression }}" giving one, got string "a,b"',
      'site.yaml:7:17: "register" must be a variable name (letters, digits, _; not starting with a digit), got string "1st"',
    ],
  },
  {
    name: 'include_role in handlers',
    files: { 'site.yaml': '- hosts: all\n  handlers:\n    - include_role: { name: x }\n' },
    errors: ['site.yaml:3:7: "include_role" is not supported in handlers: notify a handler of the role instead'],
  },
  {
    name: 'unknown key in a block',
    files: { 'site.yaml': play('    - block: []\n      rescu: []\n') },
    errors: ['site.yaml:4:7: unknown key "rescu" in block (did you mean "rescue"?)'],
  },
  {
    name: 'missing vars file',
    files: { 'site.yaml': '- hosts: all\n  vars_files:\n    - vars/none.yaml\n  tasks: []\n' },
    errors: ['site.yaml:3:7: cannot read vars file vars/none.yaml: no such file'],
  },
  {
    name: 'a vars_files list none of whose files exists',
    files: { 'site.yaml': '- hosts: all\n  vars_files:\n    - [a.yaml, b.yaml]\n  tasks: []\n' },
    errors: [expect.stringMatching(/^site\.yaml:3:7: vars file \['a\.yaml', 'b\.yaml'\] was not found/)],
  },
  {
    name: 'a templated vars_files entry reading facts in a play that gathers none',
    files: { 'site.yaml': '- hosts: all\n  gather_facts: false\n  vars_files:\n    - "v/{{ ansible_os_family }}.yaml"\n  tasks: []\n' },
    errors: [expect.stringMatching(/^site\.yaml:4:7: this vars_files entry reads facts in a play that gathers none/)],
  },
  {
    name: 'a bad file a templated vars_files entry could read',
    files: { 'site.yaml': '- hosts: all\n  vars_files:\n    - "v/{{ x }}.yaml"\n  tasks: []\n', 'v/a.yaml': '- not a mapping\n' },
    errors: [expect.stringMatching(/^v\/a\.yaml:1:1: a vars file must hold a mapping/)],
  },
  {
    name: 'import_playbook cycle',
    files: { 'site.yaml': '- import_playbook: other.yaml\n', 'other.yaml': '- import_playbook: site.yaml\n' },
    errors: ['other.yaml:1:20: import cycle: site.yaml → other.yaml → site.yaml'],
  },
  {
    name: 'a playbook that is a mapping',
    files: { 'site.yaml': 'hosts: all\n' },
    errors: ['site.yaml:1:1: a playbook is a list of plays (- hosts: ...), got a mapping'],
  },
  {
    name: 'inventory: wrong type, unknown key',
    files: { 'site.yaml': play('    - command: ls\n'), 'inventory.yaml': 'all:\n  hosts:\n    node1: { port: "22x" }\n    node2: { hots: x }\n' },
    errors: ['inventory.yaml:3:20: "port" must be a number, got string "22x"', 'inventory.yaml:4:14: unknown key "hots" (did you mean "host"?)'],
  },
  {
    name: 'inventory: group cycle',
    files: { 'site.yaml': play('    - command: ls\n'), 'inventory.yaml': 'all:\n  children:\n    a:\n      children:\n        b:\n          children:\n            a:\n' },
    errors: ['inventory.yaml:7:13: group cycle: a → b → a; a group cannot be its own descendant'],
    codes: ['inventory'],
  },
  {
    name: 'inventory: not a mapping',
    files: { 'site.yaml': play('    - command: ls\n'), 'inventory.yaml': '- node1\n' },
    errors: ['inventory.yaml:1:1: inventory must be a mapping of groups (usually starting with "all:"), got a list'],
  },
];

describe('load errors: message and exact position', () => {
  it.each(cases)('$name', async (c) => {
    const out = await loadTree(c.files);
    expect(out.errors).toEqual(c.errors);
    if (c.codes) expect(out.codes).toEqual(c.codes);
  });
});

describe('several errors', () => {
  it('reports every error of every file in one pass, file by file, top to bottom', async () => {
    const out = await loadTree({
      'site.yaml': [
        '- hosts: all',
        '  become: sometimes',
        '  tasks:',
        '    - command: ls',
        '      notify: nobody',
        '    - comand: ls',
        '    - include_tasks: more.yaml',
        '    - debug: { msg: x, colour: red }',
        '',
      ].join('\n'),
      'more.yaml': '- shell: pwd\n  whn: yes\n',
      'inventory.yaml': 'all:\n  hosts:\n    node1: { port: 0 }\n',
    });
    expect(out.errors).toEqual([
      'inventory.yaml:3:20: "port" must be >=1, got number 0',
      'site.yaml:2:11: "become" must be a boolean (true/false, yes/no) or a "{{ expression }}" giving one, got string "sometimes"',
      'site.yaml:5:15: no handler named "nobody" in play "all"; the play has no handlers',
      'site.yaml:6:7: unknown module "comand" (did you mean "command"?)',
      'site.yaml:8:24: unknown argument "colour" for module "debug"; debug takes: msg, var, verbosity',
      'more.yaml:2:3: unknown key "whn" in task (did you mean "when"?)',
    ]);
  });
});

describe('module arguments as written', () => {
  it('keeps mode: 0644 as the number 644, which modules read as octal digits', async () => {
    const out = await loadTree({ 'site.yaml': play('    - file: { path: /etc/x, state: directory, mode: 0644 }\n') });
    expect(out.errors).toEqual([]);
    expect(out.loaded!.playbook.plays[0].tasks[0]).toMatchObject({ module: 'file', args: { path: '/etc/x', state: 'directory', mode: 644 } });
  });

  it('stores conditions as raw expressions: "{{ x }}" as written (evaluated again when it runs), booleans as true/false', async () => {
    const out = await loadTree({
      'site.yaml':
        `- hosts: all\n  vars: { ready: 1, a: 1, b: 1 }\n  tasks:\n` + '    - command: ls\n      when: "{{ ready }}"\n    - command: ls\n      when: [yes, "a or b"]\n      failed_when: false\n',
    });
    expect(out.errors).toEqual([]);
    const [a, b] = out.loaded!.playbook.plays[0].tasks;
    expect(a.when).toEqual(['{{ ready }}']);
    expect(b).toMatchObject({ when: ['true', 'a or b'], failed_when: ['false'] });
  });

  it('accepts ansible.builtin. names and stores the short one', async () => {
    const out = await loadTree({ 'site.yaml': play('    - ansible.builtin.command: ls\n') });
    expect(out.loaded!.playbook.plays[0].tasks[0]).toMatchObject({ module: 'command', args: { cmd: 'ls' } });
  });
});

describe('templated module arguments', () => {
  it('leaves a templated value to run time but still checks the other arguments', async () => {
    const ok = await loadTree({ 'site.yaml': play('    - debug: { msg: hi, verbosity: "{{ level }}" }\n') });
    expect(ok.errors).toEqual([]);
    expect(ok.loaded!.playbook.plays[0].tasks[0]).toMatchObject({ module: 'debug', args: { msg: 'hi', verbosity: '{{ level }}' } });
    const bad = await loadTree({ 'site.yaml': play('    - debug: { msg: "{{ m }}", verbosity: many }\n') });
    expect(bad.errors).toEqual(['site.yaml:3:43: "verbosity" must be a number, got string "many"']);
  });
});
