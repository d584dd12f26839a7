/**
 * copy's argument errors and `decrypt` through ansible-playbook (ansible-core 2.14) and nodemend on
 * node23 (paths /tmp/nmdiff-h19d-copyargs-*): registered results, files and changed flags in check
 * mode, a run and a rerun.
 *
 * - content into a directory (an existing one, or a dest ending in "/"): "can not use content with a dir
 *   as dest" (action/copy.py, asserted by the copy target).
 * - No src and no content, or both: 2.14's action/copy.py fails the task with "src (or content) is
 *   required" / "src and content are mutually exclusive" (ansible-core's copy target asserts those
 *   words). Arguments known only when the task runs (a templated dest) fail there in nodemend too.
 * - `decrypt` (default true): action/copy.py reads src through the loader's get_real_file, which fails
 *   a vault-encrypted file when no vault secret is given ("A vault password or secret must be specified
 *   to decrypt PATH", the found path). nodemend has no vault: the same failure, always (README
 *   "Choices"). `decrypt: false` copies the file's bytes as they are, vault or not.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';

const d = differential(HOSTS.ansibleModules[0], 'h19d-copyargs');

/** A vault 1.1 file as ansible-vault writes it (header, then hex lines); never decrypted here. */
const VAULT = '$ANSIBLE_VAULT;1.1;AES256\n61626364656667686970716273747576\n31323334353637383930616263646566\n';

const c = d.case('copy: missing or both src and content, decrypt', {
  tasks: `
    - name: copy without src or content
      copy: { dest: "{{ dir }}/none" }
      ignore_errors: true
      register: e_none
    - name: copy with both src and content
      copy: { src: plain.txt, content: x, dest: "{{ dir }}/both" }
      ignore_errors: true
      register: e_both
    - name: content into an existing directory
      copy: { content: x, dest: "{{ dir }}/sub" }
      ignore_errors: true
      register: e_dir
    - name: content into a path ending in a slash
      copy: { content: x, dest: "{{ dir }}/new/" }
      ignore_errors: true
      register: e_slash
    - name: a vault file, decrypt by default
      copy: { src: vault.txt, dest: "{{ dir }}/vault" }
      ignore_errors: true
      register: e_vault
    - name: a vault file with decrypt true
      copy: { src: vault.txt, dest: "{{ dir }}/vault", decrypt: true }
      ignore_errors: true
      register: e_vault_true
    - name: a vault file as it is
      copy: { src: vault.txt, dest: "{{ dir }}/vault-raw", decrypt: no }
      register: c_raw
    - name: a plain file with decrypt no
      copy: { src: plain.txt, dest: "{{ dir }}/plain", decrypt: no, mode: "0640" }
      register: c_plain
  `,
  controllerFiles: { 'files/plain.txt': 'plain\n', 'files/vault.txt': VAULT },
  files: { sub: { dir: true } },
});

beforeAll(() => d.run(), 900_000);

const COPY_KEYS = ['changed', 'dest', 'checksum', 'md5sum', 'owner', 'group', 'mode', 'size', 'state', 'uid', 'gid'];
const pick = (r: Record<string, unknown> | undefined) => Object.fromEntries(COPY_KEYS.filter((k) => r !== undefined && k in r).map((k) => [k, r![k]]));
/** What each tool registers for a controller copy that would change, in --check (--diff on, as the harness runs it). */
const CHECK_KEYS = { ansible: ['changed', 'diff', 'failed'], nodemend: ['changed', 'checksum', 'dest', 'diff', 'failed', 'md5sum', 'size', 'src'] };
const VAULT_MSG = /^A vault password or secret must be specified to decrypt (\/\S+)\/files\/vault\.txt$/;

describe.each(MODES)('%s', (mode) => {
  it('same files', () => expect(c.nodemend[mode].files, c.nodemend[mode].output).toEqual(c.ansible[mode].files));
  it('same changed flags and statuses', () => {
    expect(c.nodemend[mode].changed, c.nodemend[mode].output).toEqual(c.ansible[mode].changed);
    expect(c.nodemend[mode].tasks.map((t) => `${t.name}: ${t.status}`)).toEqual(c.ansible[mode].tasks.map((t) => `${t.name}: ${t.status}`));
  });

  it("missing, both, content into a directory: failed in both, nodemend's msg holds Ansible's words", () => {
    const [n, a] = [c.nodemend[mode].registered, c.ansible[mode].registered];
    expect(a.e_none).toMatchObject({ failed: true, msg: 'src (or content) is required' });
    expect(a.e_both).toMatchObject({ failed: true, msg: 'src and content are mutually exclusive' });
    for (const r of ['e_dir', 'e_slash']) {
      expect(a[r], r).toMatchObject({ failed: true, msg: 'can not use content with a dir as dest' });
      expect(n[r], r).toMatchObject({ failed: true, msg: 'can not use content with a dir as dest' });
    }
    for (const r of ['e_none', 'e_both']) {
      expect(n[r].failed, r).toBe(true);
      expect(n[r].msg, r).toContain(a[r].msg);
    }
  });

  it('a vault src with decrypt: the same failure, naming the found file', () => {
    for (const r of ['e_vault', 'e_vault_true']) {
      for (const tool of [c.ansible, c.nodemend]) {
        const res = tool[mode].registered[r];
        expect(res.failed, r).toBe(true);
        expect(res.msg, r).toMatch(VAULT_MSG);
      }
    }
  });

  it('decrypt: no copies the bytes as they are: the same documented keys; --check as README "Choices" says', () => {
    for (const r of ['c_raw', 'c_plain']) {
      const [n, a] = [c.nodemend[mode].registered[r], c.ansible[mode].registered[r]];
      if (mode !== 'check') {
        expect(pick(n), r).toEqual(pick(a));
        continue;
      }
      // Ansible's copy action answers --check of a controller file with changed and its diff alone;
      // nodemend registers the file it would write (dest, checksum, md5sum, size), as the run does, with
      // `src` as the task gives it; no `msg` (2.14's copy registers none; the plan's words are the report line).
      expect(Object.keys(a).sort(), r).toEqual(CHECK_KEYS.ansible);
      expect(Object.keys(n).sort(), r).toEqual(CHECK_KEYS.nodemend);
      expect(a.changed, r).toBe(true);
      // What it registers is what Ansible's run then registers for the file.
      const { dest, checksum, md5sum, size } = c.ansible.run.registered[r];
      expect(n, r).toMatchObject({ changed: true, dest, checksum, md5sum, size, src: r === 'c_raw' ? 'vault.txt' : 'plain.txt' });
    }
  });
});

it('decrypt: no wrote the vault text and the plain file in both', () => {
  for (const tool of [c.ansible, c.nodemend]) {
    expect(tool.run.files['vault-raw']).toMatchObject({ type: 'file', content: VAULT });
    expect(tool.run.files.plain).toMatchObject({ type: 'file', content: 'plain\n', mode: '0640' });
    expect(tool.run.files.vault).toBeUndefined();
    expect(tool.rerun.changed).toMatchObject({ 'a vault file as it is': false, 'a plain file with decrypt no': false });
  }
});
