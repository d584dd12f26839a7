/**
 * geerlingguy.kubernetes 8.0.0 (test/fixtures/roles-public/roles/geerlingguy.kubernetes, vendored
 * unedited) through ansible-playbook and nodemend on a fresh node38, as a worker node
 * (`kubernetes_role: node`: packages, the kubelet service, `kubeadm join` with `creates:`), then as
 * a control plane (the role's default: its kubeadm config template, `kubeadm init`, the
 * ~/.kube/config link, flannel's `kubectl apply` under until/retries, the untaint, `kubeadm token
 * create --print-join-command` and the set_fact with delegate_to + delegate_facts over groups['all'],
 * read back through hostvars in a second play).
 *
 * The role's URLs stay as they are: node38 reaches "pkgs.k8s.io" on a local HTTPS mirror
 * (test/setup/pkgs-k8s-mirror.ts: its /etc/hosts and its trust of the mirror's CA, as on an
 * air-gapped site), which serves the signing key the role fetches with get_url and a signed
 * repository of dummy kubelet/kubeadm/kubectl/kubernetes-cni/cri-tools 1.28 packages whose
 * programs are stand-ins (kubeadm: v1.28.15's `init`, `token create` and `join`,
 * test/fixtures/kubeadm/kubeadm; kubectl: v1.28.4's `apply` and `taint`, test/fixtures/kubectl/kubectl).
 * flannel's manifest URL (the role's default kubernetes_flannel_manifest_file) is unchanged too: the
 * same mirror answers for raw.githubusercontent.com. Services go
 * through the systemd 252 systemctl stand-in, kernel parameters through the procps-ng 4.0.2 sysctl
 * stand-in (test/setup/system-standins.ts). Compared: every path each run changed (content, mode,
 * owner, group, from the overlay's upper layer), each task's status in the run and the rerun,
 * nodemend's --check against its own run.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES, type Mode } from '../setup/ansible-differential.js';
import { workDir } from '../setup/cli.js';
import { fleetHost, HOSTS, hostRoot } from '../setup/fleet.js';
import { buildMirror, FLANNEL_MANIFEST_URL, MIRROR_HOST, mirrorAddress, plantMirrorClient, serveMirror } from '../setup/pkgs-k8s-mirror.js';
import { changed, expectCheckPredictsRun, expectQuietRerun, expectSameOrder, onHost, roleCopy, runBoth, runOf, sequence, type RoleRun, type RoleRuns, type Tool } from '../setup/role-differential.js';
import { kernelSysctls, plantSysctlStandin, plantSystemctlStandin, SYSTEMD_CANARY } from '../setup/system-standins.js';

const HOST = HOSTS.ansibleKubeRole[0];
const ROLE = resolve(import.meta.dirname, '../fixtures/roles-public/roles/geerlingguy.kubernetes');
const NAME = 'geerlingguy.kubernetes';

/** The cluster's CA hash the kubeadm stand-in pins (its CA_HASH). */
const CA_HASH = 'sha256:edf0da20109de7d377008867fae66e178b0e65b11302ee76e5831bf779b093b3';

/**
 * The role's README for a worker: `kubernetes_role: node`, with the join command a control plane's
 * `kubeadm token create --print-join-command` prints (the role sets it from the control plane when
 * both are in the play; here the node is alone). kubernetes_version picks the repository and the pin.
 */
const KUBE_MINOR = '1.28';
const VARS = {
  kubernetes_role: 'node',
  kubernetes_version: KUBE_MINOR,
  kubernetes_join_command: `kubeadm join 10.0.0.1:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash ${CA_HASH}`,
};

/**
 * The role with `vars` through both tools on node38 made fresh for each, the mirror serving:
 * the runs, and each tool's requests to the mirror.
 */
async function runRoleOnMirror(vars: Record<string, unknown>, after?: string): Promise<{ runs: RoleRuns; requests: Record<Tool, string[]> }> {
  const dir = join(workDir('pkgs-k8s-mirror'), 'mirror');
  mkdirSync(dir, { recursive: true });
  const mirror = buildMirror(dir, KUBE_MINOR, mirrorAddress(fleetHost(HOST).port));
  const serving = await serveMirror(mirror);
  const sysctls = kernelSysctls();
  const requests = {} as Record<Tool, string[]>;
  let tool = 0;
  try {
    const runs = await runBoth({
      host: HOST,
      dir: roleCopy(ROLE, []),
      name: NAME,
      vars,
      after,
      prepare: async (root) => {
        // The requests of the tool that ran before this one.
        if (tool) requests.ansible = serving.requests.splice(0);
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
    return { runs, requests };
  } finally {
    await serving.close();
  }
}

describe('geerlingguy.kubernetes 8.0.0 as a node, through ansible-playbook and nodemend on a fresh host', () => {
  let runs: RoleRuns;
  let requests: Record<Tool, string[]>;
  const get = (tool: Tool, mode: Mode): RoleRun => runOf(runs, tool, mode);

  beforeAll(async () => {
    ({ runs, requests } = await runRoleOnMirror(VARS));
  }, 3_600_000);

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
    for (const tool of ['ansible', 'nodemend'] as Tool[]) {
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
  // control-plane-setup.yml's "Ensure .kube directory exists." and "Symlink the kubectl admin.conf
  // to ~/.kube/conf.", under the play's become: ~ is the become user's home, expanded on the host.
  const tilde = d.case('file paths under ~, as the become user', {
    paths: ['/root/.nm-tilde', '/root/.nm-tilde/config', '/root/.nm-tilde/copied', '/root/.nm-tilde/lines'],
    tasks: `
      - name: a directory under ~
        file: { path: ~/.nm-tilde, state: directory, mode: '0755' }
        register: tilde_dir
      - name: a link under ~
        file: { src: /etc/hostname, dest: ~/.nm-tilde/config, state: link }
        register: tilde_link
      - name: a copy under ~
        copy: { content: "copied\\n", dest: ~/.nm-tilde/copied, mode: '0600' }
        register: tilde_copy
      - name: a line under ~
        lineinfile: { path: ~root/.nm-tilde/lines, line: a line, create: true }
      - name: stat under ~
        stat: { path: ~/.nm-tilde/copied }
        register: tilde_stat
    `,
  });
  // control-plane-setup.yml's "Print the init output to screen." (verbosity: 2) in a run without -vv.
  const quiet = d.case('debug above the run verbosity', {
    tasks: `
      - name: debug at verbosity 2
        debug: { var: quiet_never, verbosity: 2 }
        register: quiet
    `,
  });
  // control-plane-setup.yml's "Initialize Kubernetes control plane with kubeadm init", the task for
  // kubernetes_ignore_preflight_errors undefined (the role's default defines it, so the role runs the other one).
  const strict = d.case('kubeadm init without ignored preflight errors', {
    files: { 'kubeadm.yaml': 'apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\nkubernetesVersion: v1.28.15\n' },
    tasks: `
      - name: init with every preflight check fatal
        command: kubeadm init --config {{ dir }}/kubeadm.yaml
        register: init_strict
        ignore_errors: true
    `,
  });
  beforeAll(() => d.run(), 900_000);

  it.each(MODES)('%s: kubeadm init stops at its preflight errors in both', (mode) => {
    const [a, n] = [strict.ansible[mode], strict.nodemend[mode]];
    if (mode === 'check') {
      // README, "Choices": check mode is exact: nodemend reports the command it would run as a change, Ansible skips it.
      expect(a.tasks.map((t) => t.status)).toEqual(['skipped']);
      return expect(n.tasks.map((t) => t.status)).toEqual(['changed']);
    }
    expect(n.tasks.map((t) => t.status)).toEqual(a.tasks.map((t) => t.status));
    // The checks that failed, by name (the CRI message carries crictl's timestamp).
    const errors = (r: { stderr: string }): string[] => [...r.stderr.matchAll(/^\t\[ERROR ([^\]]+)\]/gm)].map((m) => m[1]);
    expect(a.registered.init_strict).toMatchObject({ failed: true, rc: 1 });
    expect(errors(a.registered.init_strict)).toEqual(expect.arrayContaining(['CRI', 'FileExisting-conntrack']));
    expect(errors(n.registered.init_strict)).toEqual(errors(a.registered.init_strict));
    expect([n.registered.init_strict.rc, n.registered.init_strict.stdout]).toEqual([a.registered.init_strict.rc, a.registered.init_strict.stdout]);
  });

  it.each(MODES)("%s: ~ in a file path is the become user's home in both", (mode) => {
    const [a, n] = [tilde.ansible[mode], tilde.nodemend[mode]];
    expect(n.files).toEqual(a.files);
    expect(n.changed).toEqual(a.changed);
    if (mode === 'check') return;
    expect(a.files['/root/.nm-tilde']).toMatchObject({ type: 'dir', mode: '0755' });
    expect(a.files['/root/.nm-tilde/config']).toEqual({ type: 'link', target: '/etc/hostname' });
    expect(a.registered.tilde_dir.path).toBe('/root/.nm-tilde');
    expect(n.registered.tilde_dir.path).toBe(a.registered.tilde_dir.path);
    expect(n.registered.tilde_link.dest).toBe(a.registered.tilde_link.dest);
    expect(a.files['/root/.nm-tilde/copied']).toMatchObject({ type: 'file', content: 'copied\n', mode: '0600' });
    expect(a.files['/root/.nm-tilde/lines']).toMatchObject({ type: 'file', content: 'a line\n' });
    expect(n.registered.tilde_copy.dest).toBe(a.registered.tilde_copy.dest);
    expect(a.registered.tilde_stat.stat.path).toBe('/root/.nm-tilde/copied');
    expect(n.registered.tilde_stat.stat.path).toBe(a.registered.tilde_stat.stat.path);
  });

  it.each(MODES)('%s: a debug above the verbosity is skipped in both', (mode) => {
    const [a, n] = [quiet.ansible[mode], quiet.nodemend[mode]];
    expect(a.tasks.map((t) => t.status)).toEqual(['skipped']);
    expect(n.tasks.map((t) => t.status)).toEqual(['skipped']);
    expect(n.registered.quiet).toEqual(a.registered.quiet);
  });

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

// ---------------------------------------------------------------------------------------------
// The same role as a control plane (its default kubernetes_role), on node38 made fresh again.

const CP_VARS = { kubernetes_role: 'control_plane', kubernetes_version: KUBE_MINOR };
/** The cluster's objects, kept by the kubeadm and kubectl stand-ins where etcd keeps its data. */
const CLUSTER = '/var/lib/etcd/nm-standin-cluster';
const JOIN_READ = 'the join command the role set, read through hostvars';
/** After the role: what its set_fact with delegate_to + delegate_facts left on the host, as another play sees it. */
const READ_BACK = `
- name: read back
  hosts: ${HOST}
  gather_facts: false
  tasks:
    - name: ${JOIN_READ}
      debug: { msg: "{{ hostvars['${HOST}'].kubernetes_join_command }}" }
`;

describe('geerlingguy.kubernetes 8.0.0 as a control plane, through ansible-playbook and nodemend on a fresh host', () => {
  let runs: RoleRuns;
  let requests: Record<Tool, string[]>;
  const get = (tool: Tool, mode: Mode): RoleRun => runOf(runs, tool, mode);
  const joinRead = (tool: Tool, mode: Mode): string | null | undefined => get(tool, mode).tasks.find((t) => t.task === JOIN_READ)?.msg;

  beforeAll(async () => {
    ({ runs, requests } = await runRoleOnMirror(CP_VARS, READ_BACK));
  }, 3_600_000);

  it.each(['run', 'rerun'] as Mode[])('%s: the same tasks in the same order, each ok / changed / skipped / failed alike', (mode) => {
    expectSameOrder(runs, mode);
  });

  it('run: init (preflight errors ignored, the role default), the kubeconfig link, flannel and the untaint, as in Ansible', () => {
    const run = sequence(get('ansible', 'run'));
    expect(get('ansible', 'run').exitCode, get('ansible', 'run').output.slice(-3000)).toBe(0);
    for (const t of [
      `${NAME} : Initialize Kubernetes control plane with kubeadm init: skipped`,
      `${NAME} : Initialize Kubernetes control plane with kubeadm init and ignore_preflight_errors: changed`,
      `${NAME} : Symlink the kubectl admin.conf to ~/.kube/conf.: changed`,
      `${NAME} : Configure Flannel networking.: changed`,
      `${NAME} : Allow pods on control plane (if configured).: changed`,
      `${NAME} : Get the kubeadm join command from the Kubernetes control plane.: ok`,
      `${NAME} : Set the kubeadm join command globally.: ok`,
    ])
      expect(run).toContain(t);
    const ansible = changed(get('ansible', 'run'));
    expect(Object.keys(ansible)).toEqual(
      expect.arrayContaining([
        '/etc/kubernetes/kubeadm-kubelet-config.yaml',
        '/etc/kubernetes/admin.conf',
        '/etc/kubernetes/manifests/kube-apiserver.yaml',
        '/etc/kubernetes/pki/ca.crt',
        '/var/lib/kubelet/config.yaml',
        '/root/.kube/config',
        `${CLUSTER}/objects/daemonset.apps/kube-flannel/kube-flannel-ds`,
        `${CLUSTER}/nodes/${HOST}.taints`,
        `${CLUSTER}/tokens`,
      ]),
    );
    expect(ansible['/root/.kube/config']).toEqual({ type: 'link', target: '/etc/kubernetes/admin.conf' });
    // The untaint left the node without taints.
    expect(ansible[`${CLUSTER}/nodes/${HOST}.taints`]).toMatchObject({ content: '' });
    expect(changed(get('nodemend', 'run'))).toEqual(ansible);
  });

  it('rerun: init and the untaint are skipped, flannel is unchanged; only the token store changes, alike', () => {
    const ansible = changed(get('ansible', 'rerun'));
    // `kubeadm token create` makes a token on every run (the role says changed_when: false).
    expect(Object.keys(ansible)).toEqual([`${CLUSTER}/tokens`]);
    expect(changed(get('nodemend', 'rerun'))).toEqual(ansible);
    expect(get('nodemend', 'rerun').tasks.filter((t) => t.changed)).toEqual([]);
  });

  it('the join command set on the host with delegate_facts reads the same through hostvars in both', () => {
    for (const mode of ['run', 'rerun'] as Mode[]) {
      const ansible = joinRead('ansible', mode);
      // token create's line (ending with a space) and the role's folded `>` (a space, then the empty extra options and a newline).
      expect(ansible).toMatch(new RegExp(`^kubeadm join \\S+:6443 --token [a-z0-9]{6}\\.[a-z0-9]{16} --discovery-token-ca-cert-hash ${CA_HASH}  \\n$`));
      expect(joinRead('nodemend', mode)).toBe(ansible);
    }
    // Each run asked for a new token.
    expect(joinRead('ansible', 'rerun')).not.toBe(joinRead('ansible', 'run'));
  });

  it("nodemend's check run changes nothing and predicts its run up to the packages of the repository it would add", () => {
    expectCheckPredictsRun(runs, { task: `${NAME} : Install Kubernetes packages.`, msg: /^No package matching 'kubelet' is available$/ });
  });

  it('both fetched flannel from the mirror of raw.githubusercontent.com in the run and the rerun', () => {
    const url = new URL(FLANNEL_MANIFEST_URL);
    for (const tool of ['ansible', 'nodemend'] as Tool[]) expect(requests[tool].filter((r) => r === `GET ${url.href} 200`).length).toBe(2);
  });

  it('kubeadm ran init once with the ignored preflight errors and token create once per run', () => {
    const log = readFileSync(join(hostRoot(HOST), '/var/log/nm-kubeadm-standin.log'), 'utf8');
    const create = 'kubeadm token create --print-join-command\n';
    expect(log).toBe(`kubeadm init --config /etc/kubernetes/kubeadm-kubelet-config.yaml --ignore-preflight-errors=all\n${create}${create}`);
  });
});
