/** wait_for on a real host: ports (the host's own sshd), files appearing/disappearing, regexes, timeouts. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import waitFor from '../../src/modules/wait_for.js';
import { failure } from '../setup/module-failure.js';
import type { ModuleHarness } from '../setup/module-harness.js';
import { execHosts, onHost, openHarness, uniquePath, type ExecHost } from './modules-exec-env.js';

let host: ExecHost;
let hx: ModuleHarness;
const dir = uniquePath('wait');
const CLOSED = 9; // discard: nothing listens on it on the fleet

const root = () => hx.conn.as({ user: 'root', method: 'sudo' });
/** Do something on the host a moment later, detached, so wait_for really has to wait. */
const later = (cmd: string) => root().exec(`(sleep 1; ${cmd}) </dev/null >/dev/null 2>&1 &`);

beforeAll(async () => {
  host = (await execHosts())[0];
  hx = await openHarness(host);
  mkdirSync(onHost(host, dir), { recursive: true });
});
afterAll(async () => {
  await root().exec(`rm -rf ${dir}`);
  await hx.close();
});

describe('wait_for', () => {
  it('a listening port is reached at once; never changed, same in check mode', async () => {
    for (const check of [false, true]) {
      const r = await hx.run(waitFor, { port: host.port, timeout: 10 }, { check });
      expect(r).toMatchObject({ changed: false, result: { state: 'started', port: host.port } });
      expect(typeof r.result.elapsed).toBe('number');
    }
  });

  it("state stopped on a closed port succeeds; started on it times out with Ansible's message", async () => {
    expect((await hx.run(waitFor, { port: CLOSED, state: 'stopped', timeout: 5 })).changed).toBe(false);
    const e = await failure(hx.run(waitFor, { port: CLOSED, timeout: 1, sleep: 1 }));
    expect(e.message).toBe(`Timeout when waiting for 127.0.0.1:${CLOSED}`);
    expect(e.result).toMatchObject({ port: CLOSED, state: 'started' });
    const s = await failure(hx.run(waitFor, { port: host.port, state: 'stopped', timeout: 1 }));
    expect(s.message).toBe(`Timeout when waiting for 127.0.0.1:${host.port} to stop.`);
  });

  it('search_regex on a port reads the banner (Python regex, groups registered)', async () => {
    const r = await hx.run(waitFor, { port: host.port, search_regex: 'SSH-(?P<proto>\\d\\.\\d)-(\\w+)', timeout: 10 });
    expect(r.result).toMatchObject({ match_groupdict: { proto: '2.0' }, match_groups: ['2.0', 'OpenSSH_9'] });
  });

  it('waits for a file that appears later, and for one that goes away', async () => {
    const f = `${dir}/ready`;
    await later(`touch ${f}`);
    // As Ansible's exit_json (add_path_info): a path that exists is described, its type replacing `state`.
    expect((await hx.run(waitFor, { path: f, timeout: 30, sleep: 1 })).result).toMatchObject({ path: f, state: 'file', mode: '0644', owner: 'root', size: 0 });
    await later(`rm -f ${f}`);
    const gone = await hx.run(waitFor, { path: f, state: 'absent', timeout: 30, sleep: 1 });
    expect(gone.changed).toBe(false);
    expect(gone.result).toMatchObject({ path: f, state: 'absent' });
    expect(gone.result.mode).toBeUndefined();
  });

  it('waits for content matching search_regex in a file', async () => {
    const f = `${dir}/log`;
    writeFileSync(onHost(host, f), 'starting\n');
    await later(`echo 'listening on port 6443' >> ${f}`);
    const r = await hx.run(waitFor, { path: f, search_regex: '^listening on port (?P<port>\\d+)$', timeout: 30, sleep: 1 });
    expect(r.result).toMatchObject({ match_groups: ['6443'], match_groupdict: { port: '6443' } });
  });

  it('a missing file times out with the custom msg when given', async () => {
    const e = await failure(hx.run(waitFor, { path: `${dir}/never`, timeout: 1, sleep: 1 }));
    expect(e.message).toBe(`Timeout when waiting for file ${dir}/never`);
    const m = await failure(hx.run(waitFor, { path: `${dir}/never`, timeout: 1, msg: 'kubelet never wrote its config' }));
    expect(m.message).toBe('kubelet never wrote its config');
  });

  it('without port or path it just waits timeout seconds', async () => {
    expect((await hx.run(waitFor, { timeout: 1 })).result).toMatchObject({ state: 'started' });
  });

  it('the task timeout caps a longer wait', async () => {
    const short = await openHarness(host, { overrides: { timeoutSec: 2 } });
    try {
      const e = await failure(short.run(waitFor, { port: CLOSED, timeout: 60 }));
      expect(e.message).toBe(`Timeout when waiting for 127.0.0.1:${CLOSED}: the task timeout (2s) killed the wait`);
    } finally {
      await short.close();
    }
  });

  it('rejects port with path, and search_regex with absent', () => {
    expect(waitFor.schema.safeParse({ port: 1, path: '/x' }).success).toBe(false);
    expect(waitFor.schema.safeParse({ path: '/x', state: 'absent', search_regex: 'a' }).success).toBe(false);
    expect(waitFor.schema.safeParse({ path: '/x', state: 'drained' }).success).toBe(false);
  });
});
