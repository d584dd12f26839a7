/**
 * copy `remote_src` with a src that is no file, through ansible-playbook (ansible-core 2.14) and nodemend
 * on node23 (paths /tmp/nmdiff-h20c-rsrc-*), as the copy target's src_remote_file_is_not_file.yml runs it:
 * 2.14's modules/copy.py fails "Source SRC not found" for a missing src and "Cannot copy invalid source
 * 'SRC': not a file" for one neither a file nor a directory (/dev/null), whether dest exists or not.
 * Compared in check mode, a run and a rerun: registered failed/msg, changed flags, files.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';

const d = differential(HOSTS.ansibleModules[0], 'h20c-rsrc');

const notFile = d.case('remote_src: a device, a missing src', {
  tasks: `
    - name: a device, dest missing
      copy: { src: /dev/null, dest: "{{ dir }}/whocares", remote_src: true }
      register: r_dev
      ignore_errors: true
    - name: now with dest existing
      file: { state: touch, path: "{{ dir }}/whocares2" }
      changed_when: false
    - name: a device, dest there
      copy: { src: /dev/null, dest: "{{ dir }}/whocares2", remote_src: true }
      register: r_dev2
      ignore_errors: true
    - name: a missing src
      copy: { src: "{{ dir }}/nothing", dest: "{{ dir }}/out", remote_src: true }
      register: r_missing
      ignore_errors: true
  `,
});

beforeAll(() => d.run(), 600_000);

const REGS = ['r_dev', 'r_dev2', 'r_missing'];
const pick = (r: Record<string, unknown> | undefined) => ({ failed: r?.failed, changed: r?.changed, msg: r?.msg });

describe.each(MODES)('%s', (mode) => {
  it('same files and changed flags', () => {
    expect(notFile.nodemend[mode].files, notFile.nodemend[mode].output).toEqual(notFile.ansible[mode].files);
    expect(notFile.nodemend[mode].changed).toEqual(notFile.ansible[mode].changed);
  });
  it.each(REGS)('%s: same failed, changed, msg', (r) => {
    expect(pick(notFile.nodemend[mode].registered[r])).toEqual(pick(notFile.ansible[mode].registered[r]));
  });
});

it('the messages are the ones the target asserts', () => {
  const reg = notFile.ansible.run.registered;
  expect(reg.r_dev).toMatchObject({ failed: true, msg: expect.stringContaining('not a file') });
  expect(reg.r_dev2).toMatchObject({ failed: true, msg: expect.stringContaining('not a file') });
  expect(reg.r_missing).toMatchObject({ failed: true, msg: expect.stringMatching(/^Source .*\/nothing not found$/) });
});
