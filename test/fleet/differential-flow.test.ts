/**
 * Handler flushes, first_found and include titles, through ansible-playbook 2.14 and nodemend on
 * node36 (paths /tmp/nmdiff-flow*-*):
 * - `meta: flush_handlers`: the handlers notified before it run there, in the order of the
 *   handlers section (not of notification), once each; one notified again after it runs again at
 *   the end; a host that fails after a flush runs no handler again, unless `force_handlers`.
 * - `with_first_found` in its `files:`/`paths:`/`skip:` forms and the action-relative search
 *   (template → templates/, include_vars → vars/, copy → files/), in a play and in a role, and
 *   `lookup('first_found', ...)`/`query()` with the same terms.
 * - The titles of includes as ansible-playbook prints them: its TASK banner ("include_tasks" for an
 *   unnamed one, "include_role : NAME", a name templated like any task's) and its
 *   "included: FILE for HOST" line, compared on the two tools' outputs.
 * (`force_handlers`: test/fleet/differential-semantics2.test.ts.)
 * Compared on task lists (handlers included, in run order), statuses, changed flags, files and
 * registered results, in check mode, a run and a rerun.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES, sameKeys, type ToolRun } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';

const HOST = HOSTS.ansibleServices[0];
const d = differential(HOST, 'flow');

const HANDLERS = `
  - name: first handler
    debug: { msg: first }
    changed_when: true
  - name: second handler
    copy: { content: "second\\n", dest: "{{ dir }}/second" }
  - name: third handler
    debug: { msg: third }
    changed_when: true
`;

const flush = d.case('meta flush_handlers runs what was notified, in handler order, once', {
  tasks: `
    - name: notify second then first
      debug: { msg: a }
      changed_when: true
      notify: [second handler, first handler]
    - name: notify first again
      debug: { msg: b }
      changed_when: true
      notify: first handler
    - name: unchanged notifies nothing
      debug: { msg: c }
      notify: third handler
    - name: flush
      meta: flush_handlers
    - name: between the flushes
      copy: { content: "between\\n", dest: "{{ dir }}/between" }
      register: between
    - name: notify first after the flush
      debug: { msg: d }
      changed_when: true
      notify: first handler
    - name: flush with nothing new for second
      meta: flush_handlers
    - name: notify third at the end
      debug: { msg: e }
      changed_when: true
      notify: third handler
  `,
  handlers: HANDLERS,
});

const firstFound = d.case('with_first_found and lookup first_found in a play', {
  tasks: `
    - name: files and paths, paths outer
      debug: { msg: "{{ item | replace(playbook_dir, '') }}" }
      with_first_found:
        - files: [missing.conf, two.conf, one.conf]
          paths: [alt, alt2]
      register: ff_paths
    - name: files as a comma string
      debug: { msg: "{{ item | replace(playbook_dir, '') }}" }
      with_first_found:
        - files: "missing.conf,found.conf"
      register: ff_string
    - name: skip when nothing is found
      debug: { msg: "{{ item }}" }
      with_first_found:
        - files: [nope.conf]
          skip: true
      register: ff_skip
    - name: nothing found fails
      debug: { msg: "{{ item }}" }
      with_first_found: [nope.conf]
      register: ff_fail
      ignore_errors: true
    - name: template looks in templates/
      template: { src: "{{ item }}", dest: "{{ dir }}/t" }
      with_first_found: [missing.j2, t.j2]
      register: ff_template
    - name: include_vars looks in vars/
      include_vars: "{{ item }}"
      with_first_found: [missing.yml, os.yml]
    - name: copy looks in files/
      copy: { src: "{{ item }}", dest: "{{ dir }}/f", mode: "0640" }
      with_first_found: [missing.conf, found.conf]
      register: ff_copy
    - name: what include_vars read
      copy: { content: "{{ os_name }}\\n", dest: "{{ dir }}/os" }
    - name: lookup with names
      debug: { msg: "{{ lookup('first_found', 'missing.conf', 'found.conf') | replace(playbook_dir, '') }}" }
      register: lk_names
    - name: lookup with files and paths
      debug: { msg: "{{ lookup('first_found', {'files': ['one.conf', 'two.conf'], 'paths': ['alt2', 'alt']}) | replace(playbook_dir, '') }}" }
      register: lk_paths
    - name: lookup with skip
      debug: { msg: "{{ lookup('first_found', {'files': ['nope.conf'], 'skip': true}) }}" }
      register: lk_skip
    - name: query with a list of names
      debug: { msg: "{{ query('first_found', ['missing.conf', 'found.conf']) | map('basename') | list }}" }
      register: lk_query
    - name: lookup that finds nothing fails
      debug: { msg: "{{ lookup('first_found', 'nope.conf') }}" }
      register: lk_fail
      ignore_errors: true
  `,
  controllerFiles: {
    'files/found.conf': 'found\n',
    'alt/one.conf': 'one\n',
    'alt2/two.conf': 'two\n',
    'templates/t.j2': 'template {{ 1 + 1 }}\n',
    'vars/os.yml': 'os_name: bookworm\n',
  },
});

const roleFound = d.case('with_first_found and lookup first_found in a role', {
  play: `
    roles: [ffr]
  `,
  tasks: `
    - name: the role's variable
      copy: { content: "{{ rv }}\\n", dest: "{{ dir }}/rv" }
  `,
  controllerFiles: {
    'roles/ffr/tasks/main.yml': `- name: role include_vars from its vars/
  include_vars: "{{ item }}"
  with_first_found: [nope.yml, rv.yml]
- name: role template from its templates/
  template: { src: "{{ item }}", dest: "{{ dir }}/role-t" }
  with_first_found: [nope.j2, r.j2]
  register: rf_template
- name: role copy from its files/
  copy: { src: "{{ item }}", dest: "{{ dir }}/role-f" }
  with_first_found: [nope.conf, rf.conf]
- name: role lookup
  debug: { msg: "{{ lookup('first_found', 'rf.conf') | replace(playbook_dir, '') }}" }
  register: rf_lookup
- name: role lookup of a templates/ path
  debug: { msg: "{{ lookup('first_found', 'templates/r.j2') | replace(playbook_dir, '') }}" }
  register: rf_lookup_t
- name: role with_first_found falls back to the play's files/
  debug: { msg: "{{ item | replace(playbook_dir, '') }}" }
  with_first_found: [play-only.conf]
  register: rf_play
`,
    'roles/ffr/templates/r.j2': 'role template {{ rv }}\n',
    'roles/ffr/files/rf.conf': 'role file\n',
    'roles/ffr/vars/rv.yml': 'rv: from-role-vars-file\n',
    'files/play-only.conf': 'play\n',
  },
});

const titles = d.case('include titles as ansible-playbook prints them', {
  vars: { x: 'one' },
  tasks: `
    - include_tasks: tasks/one.yml
    - name: "named include {{ x }}"
      include_tasks: tasks/one.yml
    - include_role: { name: incr }
    - name: "named role {{ x }}"
      include_role: { name: incr }
    - ansible.builtin.include_tasks: tasks/one.yml
      loop: [a]
    - name: "looped include {{ x }} {{ item }}"
      include_tasks: tasks/one.yml
      loop: [a, b]
    - name: "skipped role {{ x }}"
      include_role: { name: incr }
      when: x == 'two'
    - name: "looped role {{ x }}"
      include_role: { name: incr }
      loop: [1]
  `,
  controllerFiles: {
    'tasks/one.yml': '- name: "inner {{ x }}"\n  debug: { msg: in }\n',
    'roles/incr/tasks/main.yml': '- name: "role task {{ x }}"\n  debug: { msg: role }\n',
  },
});

beforeAll(() => d.run(), 900_000);

/** A host that fails after a flush: a differential of its own, since a failed host leaves every later play. */
const dFail = differential(HOST, 'flowfail');
const failed = dFail.case('a host that fails after a flush runs no handler again', {
  tasks: `
    - name: notify before the flush
      debug: { msg: a }
      changed_when: true
      notify: first handler
    - name: flush
      meta: flush_handlers
    - name: notify after the flush
      debug: { msg: b }
      changed_when: true
      notify: [first handler, second handler]
    - name: fail the host
      fail: { msg: failing on purpose }
    - name: never reached
      debug: { msg: never }
  `,
  handlers: HANDLERS,
  failsHost: true,
});
beforeAll(() => dFail.run(), 900_000);

const names = (r: ToolRun): string[] => r.tasks.map((t) => `${t.handler ? 'handler ' : ''}${t.name}: ${t.status}`);

/** The TASK banners and "included:" lines of one play in a tool's output, the controller's work dir as <work>. */
function banners(output: string, play: string): string[] {
  const lines = output.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`PLAY [${play}]`));
  const out: string[] = [];
  for (const l of lines.slice(start + 1)) {
    if (l.startsWith('PLAY ')) break;
    // nodemend's plain renderer follows the banner with the task's host counts: "TASK [x]  [1/1 ok]".
    const task = /^TASK \[(.*?)\](?: {2}\[[^\]]*\])?(?: \**)?$/.exec(l.trimEnd());
    if (task) out.push(`TASK [${task[1]}]`);
    else if (l.startsWith('included: ')) out.push(l.trimEnd().replace(/\S*\/nm-diff-flow-(?:ansible|nodemend)-[^/]+\//, '<work>/'));
  }
  return out.filter((l) => !l.includes('differential: registered'));
}

describe.each(MODES)('%s', (mode) => {
  it('flush_handlers: same tasks and handlers, in the same order, with the same statuses', () => {
    const n = names(flush.nodemend[mode]);
    expect(n, flush.nodemend[mode].output).toEqual(names(flush.ansible[mode]));
    expect(n).toEqual([
      'notify second then first: changed',
      'notify first again: changed',
      'unchanged notifies nothing: ok',
      'handler first handler: changed',
      `handler second handler: ${mode === 'rerun' ? 'ok' : 'changed'}`,
      `between the flushes: ${mode === 'rerun' ? 'ok' : 'changed'}`,
      'notify first after the flush: changed',
      'handler first handler: changed',
      'notify third at the end: changed',
      'handler third handler: changed',
    ]);
  });

  it('flush_handlers: same files', () => {
    expect(flush.nodemend[mode].files).toEqual(flush.ansible[mode].files);
    if (mode !== 'check') expect(flush.nodemend[mode].files.second).toMatchObject({ type: 'file', content: 'second\n' });
  });

  it('a failed host: handlers before the failure ran at the flush, none after it', () => {
    const n = names(failed.nodemend[mode]);
    expect(n, failed.nodemend[mode].output).toEqual(names(failed.ansible[mode]));
    expect(n).toEqual(['notify before the flush: changed', 'handler first handler: changed', 'notify after the flush: changed', 'fail the host: failed']);
    expect(failed.nodemend[mode].files).toEqual(failed.ansible[mode].files);
    expect([failed.nodemend[mode].exitCode, failed.ansible[mode].exitCode]).toEqual([2, 2]);
  });

  it('first_found in a play: same items, statuses, files and registered results', () => {
    const [n, a] = [firstFound.nodemend[mode], firstFound.ansible[mode]];
    expect(names(n), n.output).toEqual(names(a));
    expect(n.files).toEqual(a.files);
    const msgs = (r: any) => (r?.results ?? []).map((x: any) => x.msg);
    for (const k of ['ff_paths', 'ff_string']) expect(msgs(n.registered[k]), k).toEqual(msgs(a.registered[k]));
    // The item each tool found (a controller path, below its own work dir) and the item's changed flag.
    const found = (r: any) => (r?.results ?? []).map((x: any) => [String(x.item).replace(/.*\/nm-diff-flow-(?:ansible|nodemend)-[^/]+\//, ''), x.changed]);
    for (const k of ['ff_template', 'ff_copy']) expect(found(n.registered[k]), k).toEqual(found(a.registered[k]));
    expect(found(n.registered.ff_template)).toEqual([['templates/t.j2', mode !== 'rerun']]);
    expect(msgs(n.registered.ff_paths)).toEqual(['/alt/one.conf']);
    expect(msgs(n.registered.ff_string)).toEqual(['/files/found.conf']);
    for (const k of ['ff_skip', 'ff_fail'])
      expect(sameKeys(n.registered[k], a.registered[k], ['failed', 'skipped', 'msg', 'results']), k).toEqual(sameKeys(a.registered[k], a.registered[k], ['failed', 'skipped', 'msg', 'results']));
    for (const k of ['lk_names', 'lk_paths', 'lk_skip', 'lk_query']) expect(n.registered[k]?.msg, k).toEqual(a.registered[k]?.msg);
    expect([n.registered.lk_names.msg, n.registered.lk_paths.msg, n.registered.lk_query.msg]).toEqual(['/files/found.conf', '/alt2/two.conf', ['found.conf']]);
    expect(sameKeys(n.registered.lk_fail, a.registered.lk_fail, ['failed'])).toEqual([{ failed: true }, { failed: true }]);
  });

  it('first_found in a role: its templates/, files/ and vars/, then the play', () => {
    const [n, a] = [roleFound.nodemend[mode], roleFound.ansible[mode]];
    expect(names(n), n.output).toEqual(names(a));
    expect(n.files).toEqual(a.files);
    for (const k of ['rf_lookup', 'rf_lookup_t']) expect(n.registered[k]?.msg, k).toEqual(a.registered[k]?.msg);
    expect(n.registered.rf_lookup.msg).toBe('/roles/ffr/files/rf.conf');
    const msgs = (r: any) => (r?.results ?? []).map((x: any) => x.msg);
    expect(msgs(n.registered.rf_play)).toEqual(msgs(a.registered.rf_play));
    expect(msgs(n.registered.rf_play)).toEqual(['/files/play-only.conf']);
    if (mode !== 'check') expect(n.files['role-t']).toMatchObject({ content: 'role template from-role-vars-file\n' });
  });

  it('include titles: the same TASK banners and included: lines as ansible-playbook', () => {
    const [n, a] = [banners(titles.nodemend[mode].output, titles.name), banners(titles.ansible[mode].output, titles.name)];
    expect(n, titles.nodemend[mode].output).toEqual(a);
    expect(n).toContain('TASK [named include one]');
    expect(n).toContain('TASK [include_role : incr]');
    expect(n).toContain('included: <work>/tasks/one.yml for node36');
    expect(n).toContain('TASK [skipped role one]');
    expect(n).toContain('TASK [looped role one]');
  });
});
