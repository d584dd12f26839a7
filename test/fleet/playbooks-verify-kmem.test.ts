/**
 * verify-kmem.yaml's three proofs on node11/node12 against fake memory cgroup trees (the fleet
 * runs one modern kernel without a cgroup hierarchy), selected through the playbook's vars:
 * - 3.10: a container's memory.kmem.slabinfo is a symlink to /proc/self/mem, whose read at
 *   offset 0 fails with a real EIO from the kernel ("Input/output error"), as a 3.10 cgroup
 *   without kmem accounting does; a plain readable file is the exposed case.
 * - >= 4.x on cgroup v1: the child cgroup the playbook creates is planted with the counter
 *   file a real cgroupfs would create on mkdir (0, or 237568 as measured on 6.1 without nokmem).
 * - cgroup v2: reported, never failed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { symlinkSync } from 'node:fs';
import { N11, N12, changedOf, onHost, plant, playbookHosts, removeOnHost, runPlaybook, taskResults, uniquePath } from './playbooks-env.js';

const env = playbookHosts('verify');
const base = uniquePath('verify');
const K310 = '3.10.0-957.el7.x86_64';
const CTR = 'kubepods/burstable/pod7c1d/0a1b2c3d';
// The same kinds of container cgroups under the systemd cgroup driver, and a Guaranteed pod's under cgroupfs.
const CTR_SYSTEMD = 'kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod9e2f.slice/docker-4d5e6f.scope';
const CTR_GUARANTEED = 'kubepods/pod5a6b/7e8f9a';
const NOKMEM = 'BOOT_IMAGE=/vmlinuz ro quiet cgroup.memory=nokmem';

const verdict = async (host: string, vars: Record<string, unknown>, flags: string[] = []) => {
  const run = await runPlaybook(env, 'verify-kmem.yaml', vars, ['--limit', host, ...flags]);
  return { code: run.code, msg: taskResults(run, host, 'Verdict')[0]?.msg ?? '', failMsg: taskResults(run, host, 'The proof holds')[0]?.msg, changed: changedOf(run)[host] };
};

beforeAll(() => {
  // 3.10, kmem off: the read fails with EIO
  plant(N11, `${base}/eio/${CTR}/memory.limit_in_bytes`, '9223372036854771712\n');
  for (const c of [CTR, CTR_SYSTEMD, CTR_GUARANTEED]) {
    plant(N11, `${base}/eio/${c}/memory.limit_in_bytes`, '9223372036854771712\n');
    symlinkSync('/proc/self/mem', onHost(N11, `${base}/eio/${c}/memory.kmem.slabinfo`));
  }
  // a pod's own cgroup (no container) is not counted
  plant(N11, `${base}/eio/kubepods/burstable/pod7c1d/memory.limit_in_bytes`, '9223372036854771712\n');
  // 3.10, kmem on for one container (slabinfo reads fine), off for the other (systemd driver)
  plant(N12, `${base}/on/${CTR}/memory.kmem.slabinfo`, 'slabinfo - version: 2.1\nkmalloc-64  128 128 64 64 1 : tunables 0 0 0\n');
  plant(N12, `${base}/on/${CTR_SYSTEMD}/memory.limit_in_bytes`, '9223372036854771712\n');
  symlinkSync('/proc/self/mem', onHost(N12, `${base}/on/${CTR_SYSTEMD}/memory.kmem.slabinfo`));
  // v1 child cgroups
  plant(N11, `${base}/v1-off/nodemend-verify-kmem/memory.kmem.usage_in_bytes`, '0\n');
  plant(N12, `${base}/v1-on/nodemend-verify-kmem/memory.kmem.usage_in_bytes`, '237568\n');
});
afterAll(() => {
  for (const h of [N11, N12]) removeOnHost(h, base);
});

describe('verify-kmem.yaml', () => {
  it('3.10: every container under either cgroup driver must fail its memory.kmem.slabinfo read with EIO; one readable fails the host; none is inconclusive, which fails unless allowed', async () => {
    const off = await verdict(N11, { verify_kernel: K310, kmem_memory_cgroup: `${base}/eio` });
    expect(off.code).toBe(0);
    expect(off.msg).toBe('PASS: 3.10 kernel (3.10.0-957.el7.x86_64): 3 of 3 containers: reading memory.kmem.slabinfo failed with Input/output error');

    const on = await verdict(N12, { verify_kernel: K310, kmem_memory_cgroup: `${base}/on` });
    expect(on.code).toBe(2);
    expect(on.msg).toBe(`FAIL: 3.10 kernel (3.10.0-957.el7.x86_64): 1 of 2 containers: reading memory.kmem.slabinfo failed with Input/output error; exit 0, kmem accounting is ON for: ${CTR}`);
    expect(on.failMsg).toMatch(/^kmem accounting is not off/);

    const none = await verdict(N11, { verify_kernel: K310, kmem_memory_cgroup: `${base}/empty` });
    expect([none.code, none.msg]).toEqual([2, expect.stringMatching(/^INCONCLUSIVE: .*no pod or container memory cgroup/)]);
    const allowed = await verdict(N11, { verify_kernel: K310, kmem_memory_cgroup: `${base}/empty`, verify_allow_inconclusive: true });
    expect([allowed.code, allowed.msg]).toEqual([0, expect.stringMatching(/^INCONCLUSIVE: /)]);
  });

  it('>= 4.x on cgroup v1: passes only with nokmem on the command line and 0 bytes charged to a fresh child cgroup', async () => {
    const off = await verdict(N11, { verify_cmdline: NOKMEM, kmem_memory_cgroup: `${base}/v1-off` });
    expect([off.code, off.msg]).toEqual([0, expect.stringMatching(/^PASS: cgroup v1.*has cgroup\.memory=nokmem; a fresh child cgroup charged 0 bytes/)]);

    const charged = await verdict(N12, { verify_cmdline: NOKMEM, kmem_memory_cgroup: `${base}/v1-on` });
    expect([charged.code, charged.msg]).toEqual([2, expect.stringMatching(/^FAIL: .*charged 237568 bytes/)]);

    const noFlag = await verdict(N11, { verify_cmdline: 'BOOT_IMAGE=/vmlinuz ro quiet', kmem_memory_cgroup: `${base}/v1-off` });
    expect([noFlag.code, noFlag.msg]).toEqual([2, expect.stringMatching(/^FAIL: .*LACKS cgroup\.memory=nokmem/)]);
  });

  it('cgroup v2 is reported as not separable, with what was checked, and never fails', async () => {
    const v2 = await verdict(N12, { verify_cgroup_version: 2 });
    expect(v2.code).toBe(0);
    expect(v2.msg).toMatch(/^NOT-SEPARABLE: cgroup v2, .*checked: cgroup version 2 and that \/proc\/cmdline does not have cgroup\.memory=nokmem$/);
  });

  it('--check gives the same verdict (the probes run) and nothing reports a change', async () => {
    const vars = { verify_kernel: K310, kmem_memory_cgroup: `${base}/eio` };
    const check = await verdict(N11, vars, ['--check']);
    expect(check.msg).toMatch(/^PASS: /);
    expect(check.changed).toBe(0);
    expect((await verdict(N11, vars)).changed).toBe(0);
  });
});
