/**
 * geerlingguy.kubernetes 8.0.0 (test/fixtures/roles-public/roles/geerlingguy.kubernetes, vendored
 * unedited) through ansible-playbook and nodemend on a fresh node38, as a worker node
 * (`kubernetes_role: node`: packages, the kubelet service, `kubeadm join` with `creates:`).
 *
 * The role's URLs stay as they are: node38 reaches "pkgs.k8s.io" on a local HTTPS mirror
 * (test/setup/pkgs-k8s-mirror.ts: its /etc/hosts and its trust of the mirror's CA, as on an
 * air-gapped site), which serves the signing key the role fetches with get_url and a signed
 * repository of dummy kubelet/kubeadm/kubectl/kubernetes-cni/cri-tools 1.28 packages whose
 * programs are stand-ins (kubeadm: v1.28.15's `join`, test/fixtures/kubeadm/kubeadm). Services go
 * through the systemd 252 systemctl stand-in, kernel parameters through the procps-ng 4.0.2 sysctl
 * stand-in (test/setup/system-standins.ts). Compared: every path each run changed (content, mode,
 * owner, group, from the overlay's upper layer), each task's status in the run and the rerun,
 * nodemend's --check against its own run.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES, type Mode } from '../setup/ansible-differential.js';
import { workDir } from '../setup/cli.js';
import { HOSTS, hostRoot } from '../setup/fleet.js';
import { buildMirror, MIRROR_HOST, plantMirrorClient, serveMirror, type Serving } from '../setup/pkgs-k8s-mirror.js';
import { changed, expectCheckPredictsRun, expectQuietRerun, expectSameOrder, onHost, roleCopy, runBoth, runOf, type RoleRuns, type Tool } from '../setup/role-differential.js';
import { kernelSysctls, plantSysctlStandin, plantSystemctlStandin, SYSTEMD_CANARY } from '../setup/system-standins.js';

const HOST = HOSTS.ansibleKubeRole[0];
const ROLE = resolve(import.meta.dirname, '../fixtures/roles-public/roles/geerlingguy.kubernetes');
const NAME = 'geerlingguy.kubernetes';

/** The cluster's CA hash the kubeadm stand-in pins (its CA_HASH). */
const CA_HASH = 'sha256:8ac5a7e8bd042a37064a328029950dd0f88bf19fccd64a40e25cb9e37c39ae00';

/**
 * The role's README for a worker: `kubernetes_role: node`, with the join command a control plane's
 * `kubeadm token create --print-join-command` prints (the role sets it from the control plane when
 * both are in the play; here the node is alone). kubernetes_version picks the repository and the pin.
 */
const VARS = {
  kubernetes_role: 'node',
  kubernetes_version: '1.28',
  kubernetes_join_command: `kubeadm join 10.0.0.1:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash ${CA_HASH}`,
};

describe('geerlingguy.kubernetes 8.0.0 as a node, through ansible-playbook and nodemend on a fresh host', () => {
  let runs: RoleRuns;
  let serving: Serving;
  const get = (tool: Tool, mode: Mode) => runOf(runs, tool, mode);
  const requests: Record<string, string[]> = {};

  beforeAll(async () => {
    const dir = join(workDir('pkgs-k8s-mirror'), 'mirror');
    mkdirSync(dir, { recursive: true });
    const mirror = buildMirror(dir, VARS.kubernetes_version);
    serving = await serveMirror(mirror);
    const sysctls = kernelSysctls();
    let tool = 0;
    runs = await runBoth({
      host: HOST,
      dir: roleCopy(ROLE, []),
      name: NAME,
      vars: VARS,
      prepare: async (root) => {
        // The requests of the tool that ran before this one.
        if (tool) requests[tool === 1 ? 'ansible' : 'nodemend'] = serving.requests.splice(0);
        tool++;
        plantSystemctlStandin(root);
        plantSysctlStandin(root, sysctls);
        plantMirrorClient(root, mirror);
        // The site trusts its mirror's CA before any role runs, as update-ca-certificates makes it.
        const r = await onHost(HOST, `mkdir -p ${SYSTEMD_CANARY} && update-ca-certificates >/dev/null`);
        if (r.code !== 0) throw new Error(r.stderr);
      },
    });
    requests.nodemend = serving.requests.splice(0);
  }, 3_600_000);
  afterAll(() => serving?.close());

  it.each(['run', 'rerun'] as Mode[])('%s: the same tasks in the same order, each ok / changed / skipped / failed alike', (mode) => {
    expectSameOrder(runs, mode);
  });

  it('run: the node joined in both, with the same files changed (content, mode, owner, group)', () => {
    const ansible = changed(get('ansible', 'run'));
    expect(get('ansible', 'run').exitCode, get('ansible', 'run').output.slice(-3000)).toBe(0);
    expect(Object.keys(ansible)).toEqual(
      expect.arrayContaining([
        '/etc/apt/keyrings/kubernetes-apt-keyring.asc',
        '/etc/apt/sources.list.d/pkgs_k8s_io.list',
        '/etc/apt/preferences.d/kubernetes',
        '/usr/bin/kubeadm',
        '/etc/systemd/system/multi-user.target.wants/kubelet.service',
        '/etc/kubernetes/kubelet.conf',
        '/var/lib/kubelet/config.yaml',
      ]),
    );
    expect(changed(get('nodemend', 'run'))).toEqual(ansible);
  });

  it('rerun: changes nothing in either tool', () => {
    expectQuietRerun(runs);
  });

  it("nodemend's check run changes nothing and predicts its run up to the packages of the repository it would add", () => {
    // As in Ansible's check run (apt.py package_status fails "No package matching ... is available": its
    // apt_repository neither writes the source nor updates the cache in check mode), the packages the
    // added repository would offer are not there yet, so the check run stops at them.
    const before = expectCheckPredictsRun(runs, { task: `${NAME} : Install Kubernetes packages.`, msg: /^No package matching 'kubelet' is available$/ });
    expect(before.filter((t) => t.changed).length).toBe(4);
  });

  it('both fetched the key and the repository from the mirror of ' + MIRROR_HOST, () => {
    for (const tool of ['ansible', 'nodemend']) {
      expect(requests[tool]).toContain('GET https://pkgs.k8s.io/core:/stable:/v1.28/deb/Release.key 200');
      expect(requests[tool]).toContain('GET https://pkgs.k8s.io/core:/stable:/v1.28/deb/InRelease 200');
    }
  });

  it('the join ran once, in the run, and kubeadm restarted the kubelet through systemctl', () => {
    const log = readFileSync(join(hostRoot(HOST), '/var/log/nm-kubeadm-standin.log'), 'utf8');
    expect(log).toBe(`kubeadm join 10.0.0.1:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash ${CA_HASH}\n`);
  });
});

// ---------------------------------------------------------------------------------------------
// What the role run found in nodemend, each as its own case on the host the role left behind.

describe('what the kubernetes role showed, case by case', () => {
  const d = differential(HOST, 'kube-role-cases');
  // The role's "Configure Weave networking." in a play that is not a weave control plane.
  const loopWhen = d.case('a loop over what a skipped task never registered, under a false when', {
    vars: { nm_cni: 'flannel' },
    tasks: `
      - name: loop under a false when
        debug: { msg: "{{ item }}" }
        with_items: ["v={{ nm_never.stdout_lines[0] }}"]
        when: nm_cni == 'weave'
        register: loop_skipped
      - name: loop under a true when
        debug: { msg: "{{ item }}" }
        with_items: ["v={{ nm_never.stdout_lines[0] }}"]
        when: nm_cni == 'flannel'
        register: loop_failed
        ignore_errors: true
    `,
  });
  // The role installs kubelet, pulling kubernetes-cni in as a dependency, then names kubernetes-cni.
  // Its kubeadm pulled cri-tools in, which it never names: still automatically installed here.
  const mark = d.case('a package installed as a dependency, then named', {
    paths: ['/var/lib/apt/extended_states'],
    tasks: `
      - name: name a dependency
        apt: { name: cri-tools, state: present }
        register: named
    `,
  });
  beforeAll(() => d.run(), 900_000);

  it.each(MODES)('%s: the loop is skipped when its when is false and fails when it is true', (mode) => {
    const [a, n] = [loopWhen.ansible[mode], loopWhen.nodemend[mode]];
    expect(n.tasks.map((t) => t.status)).toEqual(a.tasks.map((t) => t.status));
    expect(a.tasks.map((t) => t.status)).toEqual(['skipped', 'failed']);
    expect(n.registered.loop_skipped).toEqual(a.registered.loop_skipped);
    expect(n.registered.loop_failed.failed).toBe(true);
  });

  it.each(MODES)('%s: the named package ends manually installed in both; nodemend counts the mark as a change', (mode) => {
    const [a, n] = [mark.ansible[mode], mark.nodemend[mode]];
    expect(n.files).toEqual(a.files);
    const marked = !/Package: cri-tools\nArchitecture: amd64\nAuto-Installed: 1/.test((a.files['/var/lib/apt/extended_states'] as { content: string }).content);
    expect(marked).toBe(mode !== 'check');
    // README, "Choices": Ansible's apt marks it silently (changed: false); nodemend's check says it will.
    expect(a.changed['name a dependency']).toBe(false);
    expect(n.changed['name a dependency']).toBe(mode !== 'rerun');
  });
});
