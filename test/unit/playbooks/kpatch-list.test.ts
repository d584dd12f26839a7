/**
 * kpatch-route.yaml's verify parses `kpatch list`. These are the outputs of kpatch v0.9.7
 * (dynup/kpatch kpatch/kpatch, "list"; the format is the same from v0.4.0 to v0.9.9):
 * loaded modules by their sysfs directory name with [enabled] / [disabled] /
 * [enabling...] / [disabling...] (the last two while /sys/.../transition = 1, then a
 * "Stalled processes:" block), an empty line, then the installed modules through
 * mod_name (basename without .ko, '-' turned into '_') with their kernel directory.
 */
import { describe, expect, test } from 'vitest';
import { renderSetFact } from './playbook-task.js';

const K957 = '3.10.0-957.el7.x86_64';
const K1160 = '3.10.0-1160.el7.x86_64';
const parse = (stdout: string, sysfs = 'enabled=1\nloaded=ABC\nfile=ABC\n', kernel = K957) =>
  renderSetFact('kpatch-route.yaml', 'Parse kpatch list', {
    kpatch_verify_list: { stdout },
    kpatch_verify_sysfs: { stdout: sysfs },
    kpatch_kernel: kernel,
  });

const list = (loaded: string[], installed: string[], stalled = '') =>
  ['Loaded patch modules:', ...loaded, ...(stalled ? ['', 'Stalled processes:', stalled] : []), '', 'Installed patch modules:', ...installed].join('\n') + '\n';

describe('kpatch list as kpatch-route.yaml reads it', () => {
  test('loaded and enabled, installed for this kernel', () => {
    expect(parse(list(['livepatch_route [enabled]'], [`livepatch_route (${K957})`]))).toMatchObject({
      kpatch_route_state: 'enabled',
      kpatch_route_installed: true,
      kpatch_route_enabled_flag: '1',
      kpatch_route_loaded_srcversion: 'ABC',
      kpatch_route_file_srcversion: 'ABC',
    });
  });

  test.each([
    ['disabled', 'disabled'],
    ['enabling...', 'enabling...'],
    ['disabling...', 'disabling...'],
  ])('[%s] is read as %s, not enabled', (shown, state) => {
    const stalled = shown.endsWith('...') ? '1234 kworker/0:1\nstack:\n[<0>] ...' : '';
    expect(parse(list([`livepatch_route [${shown}]`], [`livepatch_route (${K957})`], stalled)).kpatch_route_state).toBe(state);
  });

  test('not loaded: only installed', () => {
    const r = parse(list([], [`livepatch_route (${K957})`]), 'enabled=\nloaded=\nfile=ABC\n');
    expect(r).toMatchObject({ kpatch_route_state: 'not loaded', kpatch_route_installed: true, kpatch_route_enabled_flag: '' });
  });

  test('installed for several kernels: only this kernel counts', () => {
    const out = list(['kpatch_other [enabled]', 'livepatch_route [enabled]'], [`livepatch_route (${K1160})`, `kpatch_other (${K957})`]);
    expect(parse(out).kpatch_route_installed).toBe(false);
    expect(parse(out, undefined, K1160).kpatch_route_installed).toBe(true);
  });

  test('the file name form (livepatch-route) is not what kpatch prints: not counted as installed', () => {
    expect(parse(list(['livepatch_route [enabled]'], [`livepatch-route (${K957})`])).kpatch_route_installed).toBe(false);
  });

  test('another module whose name starts alike is not livepatch_route', () => {
    const r = parse(list(['livepatch_route_v2 [enabled]'], [`livepatch_route_v2 (${K957})`]));
    expect(r).toMatchObject({ kpatch_route_state: 'not loaded', kpatch_route_installed: false });
  });

  test('a kernel release is matched literally (dots are not wildcards)', () => {
    expect(parse(list(['livepatch_route [enabled]'], ['livepatch_route (3.10.0-957Xel7Xx86_64)'])).kpatch_route_installed).toBe(false);
  });

  test('srcversions of the loaded module and the installed file are read apart', () => {
    expect(parse(list(['livepatch_route [enabled]'], [`livepatch_route (${K957})`]), 'enabled=1\nloaded=OLD1\nfile=NEW2\n')).toMatchObject({
      kpatch_route_loaded_srcversion: 'OLD1',
      kpatch_route_file_srcversion: 'NEW2',
    });
  });
});
