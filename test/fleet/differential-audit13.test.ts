/**
 * Issue 13's audit (session 15): items whose differential cases could not fail when the
 * behaviour broke, through ansible-playbook and nodemend on node23 (paths /tmp/nmdiff-a13h-*
 * only): the path details every file-writing module adds to its result (Ansible's
 * add_path_info: '0%03o' modes, a number for an owner the host cannot name), stat's documented
 * fields and every checksum_algorithm, a module key with no arguments, and Jinja whitespace
 * control inside a string.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES, sameKeys } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';

const d = differential(HOSTS.ansibleModules[0], 'a13h');

const pathInfo = d.case('the path details of a result: special mode bits, an owner without a name', {
  tasks: `
    - name: file sets setuid
      file: { path: "{{ dir }}/suid", mode: "04755" }
      register: r_file
    - name: copy writes setgid
      copy: { content: "x\\n", dest: "{{ dir }}/sgid", mode: "02755" }
      register: r_copy
    - name: file gives a uid the host cannot name
      file: { path: "{{ dir }}/numeric", owner: "4242", group: "4243" }
      register: r_numeric
    - name: a new directory with the sticky bit
      file: { path: "{{ dir }}/sticky", state: directory, mode: "01777" }
      register: r_dir
  `,
  files: { suid: 'a\n', numeric: 'n\n' },
});

beforeAll(() => d.run(), 900_000);

const PATH_INFO = ['changed', 'failed', 'path', 'dest', 'state', 'mode', 'owner', 'group', 'uid', 'gid', 'size'];

describe.each(MODES)('%s', (mode) => {
  it(`${pathInfo.name}: same files, tasks and changed flags`, () => {
    expect(pathInfo.nodemend[mode].files, pathInfo.nodemend[mode].output).toEqual(pathInfo.ansible[mode].files);
    expect(pathInfo.nodemend[mode].tasks, pathInfo.nodemend[mode].output).toEqual(pathInfo.ansible[mode].tasks);
  });
  it(`${pathInfo.name}: same registered path details`, () => {
    for (const [r, a] of Object.entries(pathInfo.ansible[mode].registered)) {
      const [n, x] = sameKeys(pathInfo.nodemend[mode].registered[r], a as Record<string, unknown>, PATH_INFO);
      expect(n, r).toEqual(x);
    }
  });
});

it('the run registered the modes as Ansible writes them: a leading 0 before the special bits', () => {
  const r = pathInfo.nodemend.run.registered;
  expect([r.r_file.mode, r.r_copy.mode, r.r_dir.mode]).toEqual(['04755', '02755', '01777']);
  expect([r.r_numeric.owner, r.r_numeric.group]).toEqual(['4242', '4243']);
});
