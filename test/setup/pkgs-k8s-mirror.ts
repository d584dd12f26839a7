/**
 * A local mirror of https://pkgs.k8s.io (and of the one raw.githubusercontent.com file a control
 * plane fetches: flannel's manifest) for a fleet host, so that a Kubernetes role runs with its
 * URLs unchanged on a fleet without internet, as on an air-gapped site with its own mirror and CA:
 * the host resolves both names to the mirror's address (its /etc/hosts; the fleet shares this machine's
 * network, and a loopback address of its own, one per fleet host's SSH port, keeps off every other
 * test's ports and every other engineer's fleet), trusts the
 * mirror's CA (in /usr/local/share/ca-certificates, taken into /etc/ssl/certs when the
 * ca-certificates package is installed or update-ca-certificates runs), and this process serves
 * each name's files over HTTPS with a certificate for both names.
 *
 * The repository is what pkgs.k8s.io serves for one minor release (kubernetes/release's OBS
 * publishing, `deb [signed-by=KEYRING] https://pkgs.k8s.io/core:/stable:/v1.28/deb/ /`): a flat
 * repository with Packages, Release, InRelease (clearsigned) and Release.key (the armored public
 * key the install guide fetches), built by test/setup/local-apt-repo.ts's buildSignedRepo. Its
 * packages are dummies built with dpkg-deb, named and versioned as the real ones (kubelet/kubeadm/kubectl 1.28.15-1.1,
 * kubernetes-cni 1.2.0-2.1, cri-tools 1.28.0-1.1), with the real ones' Depends among themselves
 * (their Debian dependencies, iptables, conntrack, socat..., are left out: nothing here runs them)
 * and no maintainer scripts. Their programs are stand-ins: kubeadm is test/fixtures/kubeadm/kubeadm
 * (v1.28.15's init, join and token create), kubectl test/fixtures/kubectl/kubectl (v1.28.4), the
 * kubelet runs until stopped (KUBELET below); the kubelet unit and kubeadm's drop-in are the
 * packages' files (kubernetes/release cmd/krel/templates/latest/{kubelet,kubeadm}/: the .spec files'
 * %install and %files, kubelet.service, 10-kubeadm.conf, kubelet.env); their %post (systemd
 * presets) is not run.
 *
 * flannel's manifest (FLANNEL_MANIFEST_URL, the role's kubernetes_flannel_manifest_file default)
 * holds the objects flannel v0.25's Documentation/kube-flannel.yml creates, by kind, name and
 * namespace (flannel-io/flannel), their specs reduced to what names them: the kubectl stand-in
 * reports each object it applies and keeps no more.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { dirname, join, normalize, resolve } from 'node:path';
import { buildSignedRepo, type DummyPackage } from './local-apt-repo.js';

const FIXTURES = resolve(import.meta.dirname, '../fixtures');

/**
 * The loopback address the mirror listens on (port 443), which the host calls pkgs.k8s.io: made
 * from the host's SSH port, so that two fleets on this machine running the same test never share it.
 */
export const mirrorAddress = (sshPort: number): string => `127.38.${(sshPort >> 8) & 255}.${sshPort & 255}`;
export const MIRROR_HOST = 'pkgs.k8s.io';
/** The other name the mirror answers for: the role fetches flannel's manifest from it. */
export const RAW_GITHUB_HOST = 'raw.githubusercontent.com';
export const FLANNEL_MANIFEST_URL = `https://${RAW_GITHUB_HOST}/flannel-io/flannel/master/Documentation/kube-flannel.yml`;
/** The mirror's CA on the host: update-ca-certificates takes every *.crt of this directory. */
export const MIRROR_CA_PATH = '/usr/local/share/ca-certificates/nodemend-test-mirror.crt';

export const KUBE_VERSION = '1.28.15';
const PKG_REV = '-1.1';

/**
 * The kubelet as far as a node without a cluster shows it: `--version` as pkg/version/verflag
 * prints it; otherwise it runs until stopped (the real one, before `kubeadm join` writes its
 * configuration, exits and is restarted every 10 s by systemd's Restart=always: a crash loop the
 * systemctl stand-in does not model, so the unit reads active throughout, as is-active reports a
 * kubelet between restarts as activating, which kubeadm counts as active).
 */
const KUBELET = `#!/bin/sh
# nodemend test stand-in: kubelet v${KUBE_VERSION} (kubernetes/kubernetes pkg/version/verflag --version); runs until stopped
case "\${1:-}" in --version) echo "Kubernetes v${KUBE_VERSION}"; exit 0 ;; esac
exec sleep 2147483647
`;

/** kubernetes/release cmd/krel/templates/latest/kubelet/kubelet.service (the v1.28 packages'). */
const KUBELET_SERVICE = `[Unit]
Description=kubelet: The Kubernetes Node Agent
Documentation=https://kubernetes.io/docs/
Wants=network-online.target
After=network-online.target

[Service]
ExecStart=/usr/bin/kubelet
Restart=always
StartLimitInterval=0
RestartSec=10

[Install]
WantedBy=multi-user.target
`;

/** kubernetes/release cmd/krel/templates/latest/kubeadm/10-kubeadm.conf (the v1.28 packages'). */
const KUBEADM_DROPIN = `# Note: This dropin only works with kubeadm and kubelet v1.11+
[Service]
Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"
Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"
# This is a file that "kubeadm init" and "kubeadm join" generates at runtime, populating the KUBELET_KUBEADM_ARGS variable dynamically
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
# This is a file that the user can use for overrides of the kubelet args as a last resort. Preferably, the user should use
# the .NodeRegistration.KubeletExtraArgs object in the configuration files instead. KUBELET_EXTRA_ARGS should be sourced from this file.
EnvironmentFile=-/etc/default/kubelet
ExecStart=
ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS
`;

/** A placeholder for a program nothing in these tests runs. */
const placeholder = (what: string): string => `#!/bin/sh\n# nodemend test placeholder for ${what}: never run by the tests\necho "placeholder ${what}" >&2\nexit 1\n`;

/** Path on the host → [content, mode], as buildSignedRepo's package files. */
const files = (f: Record<string, [string, number]>): DummyPackage['files'] => Object.entries(f).map(([path, [content, mode]]) => ({ path, content, mode }));
const deb = (p: Omit<DummyPackage, 'architecture'>): DummyPackage => ({ ...p, architecture: 'amd64', description: `${p.description} (nodemend test dummy)` });

const DEBS: DummyPackage[] = [
  deb({
    name: 'kubelet',
    version: KUBE_VERSION + PKG_REV,
    depends: 'kubernetes-cni (>= 1.2.0)',
    description: 'Node agent for Kubernetes clusters',
    // kubelet.spec's %files: the unit is installed 0600; dpkg-deb keeps no empty directory, hence the .kubelet-keep files.
    files: files({
      '/usr/bin/kubelet': [KUBELET, 0o755],
      '/lib/systemd/system/kubelet.service': [KUBELET_SERVICE, 0o600],
      '/etc/default/kubelet': ['KUBELET_EXTRA_ARGS=\n', 0o644],
      '/var/lib/kubelet/.kubelet-keep': ['', 0o644],
      '/etc/kubernetes/manifests/.kubelet-keep': ['', 0o644],
    }),
  }),
  deb({
    name: 'kubeadm',
    version: KUBE_VERSION + PKG_REV,
    depends: 'kubelet (>= 1.19.0), kubectl (>= 1.13.0), kubernetes-cni (>= 1.2.0), cri-tools (>= 1.25.0)',
    description: 'Command-line utility for administering a Kubernetes cluster',
    files: files({
      '/usr/bin/kubeadm': [readFileSync(join(FIXTURES, 'kubeadm/kubeadm'), 'utf8'), 0o755],
      '/lib/systemd/system/kubelet.service.d/10-kubeadm.conf': [KUBEADM_DROPIN, 0o644],
    }),
  }),
  deb({
    name: 'kubectl',
    version: KUBE_VERSION + PKG_REV,
    description: 'Command-line utility for interacting with a Kubernetes cluster',
    files: files({ '/usr/bin/kubectl': [readFileSync(join(FIXTURES, 'kubectl/kubectl'), 'utf8'), 0o755] }),
  }),
  deb({
    name: 'kubernetes-cni',
    version: '1.2.0-2.1',
    description: 'Binaries required to provision kubernetes container networking',
    files: files({ '/opt/cni/bin/loopback': [placeholder('the CNI loopback plugin'), 0o755] }),
  }),
  deb({ name: 'cri-tools', version: '1.28.0-1.1', description: 'Command-line utility for interacting with a container runtime', files: files({ '/usr/bin/crictl': [placeholder('crictl'), 0o755] }) }),
];

const run = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });

/** The objects of flannel v0.25's kube-flannel.yml (see the header), in its order. */
const FLANNEL_MANIFEST = `---
kind: Namespace
apiVersion: v1
metadata:
  name: kube-flannel
  labels:
    k8s-app: flannel
    pod-security.kubernetes.io/enforce: privileged
---
kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata:
  labels:
    k8s-app: flannel
  name: flannel
---
kind: ClusterRoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata:
  labels:
    k8s-app: flannel
  name: flannel
---
apiVersion: v1
kind: ServiceAccount
metadata:
  labels:
    k8s-app: flannel
  name: flannel
  namespace: kube-flannel
---
kind: ConfigMap
apiVersion: v1
metadata:
  name: kube-flannel-cfg
  namespace: kube-flannel
  labels:
    tier: node
    k8s-app: flannel
    app: flannel
data:
  net-conf.json: |
    {
      "Network": "10.244.0.0/16",
      "Backend": {
        "Type": "vxlan"
      }
    }
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: kube-flannel-ds
  namespace: kube-flannel
  labels:
    tier: node
    app: flannel
    k8s-app: flannel
`;

export interface Mirror {
  /** The loopback address it serves on (mirrorAddress). */
  address: string;
  /** The mirror's files: DIR/HOST/URL-PATH. */
  dir: string;
  /** The repository's URL path: /core:/stable:/vMINOR/deb/ . */
  repoPath: string;
  /** The CA's certificate (PEM), for the host to trust. */
  caPem: string;
  /** The server's key and certificate for pkgs.k8s.io and raw.githubusercontent.com. */
  tls: { key: string; cert: string };
}

/** Builds the packages, the signed repository of `minor` (e.g. "1.28"), flannel's manifest and the TLS material under `dir`. */
export function buildMirror(dir: string, minor: string, address: string): Mirror {
  const repoPath = `/core:/stable:/v${minor}/deb/`;
  const www = join(dir, 'www');
  const label = `isv:kubernetes:core:stable:v${minor}`;
  buildSignedRepo(join(www, MIRROR_HOST, repoPath), { flat: true, arch: 'amd64', packages: DEBS, origin: `obs://build.opensuse.org/${label}/deb`, label, keyFile: 'Release.key' });
  const flannel = join(www, RAW_GITHUB_HOST, new URL(FLANNEL_MANIFEST_URL).pathname);
  mkdirSync(dirname(flannel), { recursive: true });
  writeFileSync(flannel, FLANNEL_MANIFEST);

  // A CA and the server's certificate for both names.
  const tls = join(dir, 'tls');
  mkdirSync(tls, { recursive: true });
  const p = (f: string): string => join(tls, f);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run('openssl', ['req', '-x509', ...ec, '-keyout', p('ca.key'), '-out', p('ca.crt'), '-days', '2', '-subj', '/CN=nodemend test mirror CA']);
  run('openssl', ['req', ...ec, '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', `/CN=${MIRROR_HOST}`]);
  writeFileSync(p('ext.cnf'), `subjectAltName=DNS:${MIRROR_HOST},DNS:${RAW_GITHUB_HOST}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n`);
  run('openssl', ['x509', '-req', '-in', p('server.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', p('ext.cnf'), '-out', p('server.crt')]);
  return { address, dir: www, repoPath, caPem: readFileSync(p('ca.crt'), 'utf8'), tls: { key: readFileSync(p('server.key'), 'utf8'), cert: readFileSync(p('server.crt'), 'utf8') } };
}

export interface Serving {
  /** Every request as "METHOD https://HOST/PATH STATUS", in order. */
  requests: string[];
  close(): Promise<void>;
}

/** Serves the mirror's files over HTTPS on its address, port 443, each name its own (GET and HEAD; 404 for anything else). */
export async function serveMirror(m: Mirror): Promise<Serving> {
  const requests: string[] = [];
  const server: Server = createServer(m.tls, (req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]);
    const host = (req.headers.host ?? '').replace(/:443$/, '');
    const root = join(m.dir, host === MIRROR_HOST || host === RAW_GITHUB_HOST ? host : 'unknown-host');
    const file = join(root, normalize(path));
    let status = 404;
    let body: Buffer | undefined;
    if (file.startsWith(root + '/') && (req.method === 'GET' || req.method === 'HEAD')) {
      try {
        if (statSync(file).isFile()) {
          body = readFileSync(file);
          status = 200;
        }
      } catch {
        /* 404 */
      }
    }
    requests.push(`${req.method} https://${host}${path} ${status}`);
    res.writeHead(status, { 'Content-Type': 'application/octet-stream', 'Content-Length': body?.length ?? 0 });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(443, m.address, () => ok());
  });
  return { requests, close: () => new Promise((ok) => server.close(() => ok())) };
}

/** The host (its root on the controller) resolves the mirror's names to it and has the mirror's CA to trust. */
export function plantMirrorClient(root: string, m: Mirror): void {
  appendFileSync(join(root, 'etc/hosts'), `${m.address}\t${MIRROR_HOST} ${RAW_GITHUB_HOST}\n`);
  mkdirSync(join(root, dirname(MIRROR_CA_PATH)), { recursive: true });
  writeFileSync(join(root, MIRROR_CA_PATH), m.caPem);
}
