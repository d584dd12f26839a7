/**
 * A local mirror of https://pkgs.k8s.io for a fleet host, so that a Kubernetes role runs with its
 * URLs unchanged on a fleet without internet, as on an air-gapped site with its own mirror and CA:
 * the host resolves pkgs.k8s.io to MIRROR_ADDRESS (its /etc/hosts; the fleet shares this machine's
 * network, and a loopback address of its own keeps off every other test's ports), trusts the
 * mirror's CA (in /usr/local/share/ca-certificates, taken into /etc/ssl/certs when the
 * ca-certificates package is installed or update-ca-certificates runs), and this process serves
 * the repository over HTTPS with a certificate for pkgs.k8s.io.
 *
 * The repository is what pkgs.k8s.io serves for one minor release (kubernetes/release's OBS
 * publishing, `deb [signed-by=KEYRING] https://pkgs.k8s.io/core:/stable:/v1.28/deb/ /`): a flat
 * repository with Packages, Release, InRelease (clearsigned) and Release.key (the armored public
 * key the install guide fetches), signed by a key made here with gpg. Its packages are dummies built
 * here with dpkg-deb, named and versioned as the real ones (kubelet/kubeadm/kubectl 1.28.15-1.1,
 * kubernetes-cni 1.2.0-2.1, cri-tools 1.28.0-1.1), with the real ones' Depends among themselves
 * (their Debian dependencies, iptables, conntrack, socat..., are left out: nothing here runs them)
 * and no maintainer scripts. Their programs are stand-ins: kubeadm is test/fixtures/kubeadm/kubeadm
 * (v1.28.15's join), kubectl test/fixtures/kubectl/kubectl (v1.28.4), the kubelet runs until stopped
 * (KUBELET below); the kubelet unit and kubeadm's drop-in are the packages' files (kubernetes/release
 * cmd/krel/templates/latest/{kubelet,kubeadm}/: the .spec files' %install and %files, kubelet.service,
 * 10-kubeadm.conf, kubelet.env); their %post (systemd presets) is not run.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { dirname, join, normalize, resolve } from 'node:path';
import { buildPackage, clearsignWithNewKey, sha256, type DummyPackage } from './local-apt-repo.js';

const FIXTURES = resolve(import.meta.dirname, '../fixtures');

/** The loopback address the mirror listens on (port 443), which the host calls pkgs.k8s.io. */
export const MIRROR_ADDRESS = '127.0.38.1';
export const MIRROR_HOST = 'pkgs.k8s.io';
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

/** Named, versioned and described as the real packages (descriptions marked as dummies). */
const DEBS: DummyPackage[] = [
  {
    name: 'kubelet',
    version: KUBE_VERSION + PKG_REV,
    depends: 'kubernetes-cni (>= 1.2.0)',
    architecture: 'amd64',
    description: 'Node agent for Kubernetes clusters (nodemend test dummy)',
    // kubelet.spec's %files: the unit is installed 0600; dpkg-deb keeps no empty directory, hence the .kubelet-keep files.
    files: [
      { path: 'usr/bin/kubelet', content: KUBELET, mode: 0o755 },
      { path: 'lib/systemd/system/kubelet.service', content: KUBELET_SERVICE, mode: 0o600 },
      { path: 'etc/default/kubelet', content: 'KUBELET_EXTRA_ARGS=\n', mode: 0o644 },
      { path: 'var/lib/kubelet/.kubelet-keep', content: '', mode: 0o644 },
      { path: 'etc/kubernetes/manifests/.kubelet-keep', content: '', mode: 0o644 },
    ],
  },
  {
    name: 'kubeadm',
    version: KUBE_VERSION + PKG_REV,
    depends: 'kubelet (>= 1.19.0), kubectl (>= 1.13.0), kubernetes-cni (>= 1.2.0), cri-tools (>= 1.25.0)',
    architecture: 'amd64',
    description: 'Command-line utility for administering a Kubernetes cluster (nodemend test dummy)',
    files: [
      { path: 'usr/bin/kubeadm', content: readFileSync(join(FIXTURES, 'kubeadm/kubeadm'), 'utf8'), mode: 0o755 },
      { path: 'lib/systemd/system/kubelet.service.d/10-kubeadm.conf', content: KUBEADM_DROPIN, mode: 0o644 },
    ],
  },
  {
    name: 'kubectl',
    version: KUBE_VERSION + PKG_REV,
    architecture: 'amd64',
    description: 'Command-line utility for interacting with a Kubernetes cluster (nodemend test dummy)',
    files: [{ path: 'usr/bin/kubectl', content: readFileSync(join(FIXTURES, 'kubectl/kubectl'), 'utf8'), mode: 0o755 }],
  },
  {
    name: 'kubernetes-cni',
    version: '1.2.0-2.1',
    architecture: 'amd64',
    description: 'Binaries required to provision kubernetes container networking (nodemend test dummy)',
    files: [{ path: 'opt/cni/bin/loopback', content: placeholder('the CNI loopback plugin'), mode: 0o755 }],
  },
  {
    name: 'cri-tools',
    version: '1.28.0-1.1',
    architecture: 'amd64',
    description: 'Command-line utility for interacting with a container runtime (nodemend test dummy)',
    files: [{ path: 'usr/bin/crictl', content: placeholder('crictl'), mode: 0o755 }],
  },
];

const run = (cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, input?: string): string => execFileSync(cmd, args, { env, input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });

export interface Mirror {
  /** The mirror's files (their URL paths under it). */
  dir: string;
  /** The repository's URL path: /core:/stable:/vMINOR/deb/ . */
  repoPath: string;
  /** The CA's certificate (PEM), for the host to trust. */
  caPem: string;
  /** The server's key and certificate for pkgs.k8s.io. */
  tls: { key: string; cert: string };
}

/** Builds the packages, the signed repository of `minor` (e.g. "1.28") and the TLS material under `dir`. */
export function buildMirror(dir: string, minor: string): Mirror {
  const repoPath = `/core:/stable:/v${minor}/deb/`;
  const repo = join(dir, 'www', repoPath);
  mkdirSync(repo, { recursive: true });
  const packages = DEBS.map((d) => buildPackage(repo, d, '')).join('\n');
  writeFileSync(join(repo, 'Packages'), packages);
  const release = [
    'Origin: obs://build.opensuse.org/isv:kubernetes:core:stable:v' + minor + '/deb',
    'Label: isv:kubernetes:core:stable:v' + minor,
    'Architectures: amd64',
    `Date: ${new Date(Date.now() - 3_600_000).toUTCString().replace('GMT', 'UTC')}`,
    'SHA256:',
    ` ${sha256(packages)} ${Buffer.byteLength(packages)} Packages`,
    '',
  ].join('\n');
  writeFileSync(join(repo, 'Release'), release);

  // The signing key, made for this mirror.
  writeFileSync(join(repo, 'Release.key'), clearsignWithNewKey(join(repo, 'Release'), join(repo, 'InRelease'), 'nodemend test mirror of pkgs.k8s.io <t@example.org>'));

  // A CA and the server's certificate for pkgs.k8s.io.
  const tls = join(dir, 'tls');
  mkdirSync(tls, { recursive: true });
  const p = (f: string): string => join(tls, f);
  run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    p('ca.key'),
    '-out',
    p('ca.crt'),
    '-days',
    '2',
    '-subj',
    '/CN=nodemend test mirror CA',
  ]);
  run('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', `/CN=${MIRROR_HOST}`]);
  writeFileSync(p('ext.cnf'), `subjectAltName=DNS:${MIRROR_HOST}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n`);
  run('openssl', ['x509', '-req', '-in', p('server.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', p('ext.cnf'), '-out', p('server.crt')]);
  return { dir: join(dir, 'www'), repoPath, caPem: readFileSync(p('ca.crt'), 'utf8'), tls: { key: readFileSync(p('server.key'), 'utf8'), cert: readFileSync(p('server.crt'), 'utf8') } };
}

export interface Serving {
  /** Every request as "METHOD PATH STATUS", in order. */
  requests: string[];
  close(): Promise<void>;
}

/** Serves the mirror's files over HTTPS on MIRROR_ADDRESS:443 (GET and HEAD; 404 for anything else). */
export async function serveMirror(m: Mirror): Promise<Serving> {
  const requests: string[] = [];
  const server: Server = createServer(m.tls, (req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]);
    const file = join(m.dir, normalize(path));
    let status = 404;
    let body: Buffer | undefined;
    if (file.startsWith(m.dir + '/') && (req.method === 'GET' || req.method === 'HEAD')) {
      try {
        if (statSync(file).isFile()) {
          body = readFileSync(file);
          status = 200;
        }
      } catch {
        /* 404 */
      }
    }
    requests.push(`${req.method} ${path} ${status}`);
    res.writeHead(status, { 'Content-Type': 'application/octet-stream', 'Content-Length': body?.length ?? 0 });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(443, MIRROR_ADDRESS, () => ok());
  });
  return { requests, close: () => new Promise((ok) => server.close(() => ok())) };
}

/** The host (its root on the controller) resolves pkgs.k8s.io to the mirror and has the mirror's CA to trust. */
export function plantMirrorClient(root: string, m: Mirror): void {
  appendFileSync(join(root, 'etc/hosts'), `${MIRROR_ADDRESS}\t${MIRROR_HOST}\n`);
  mkdirSync(join(root, dirname(MIRROR_CA_PATH)), { recursive: true });
  writeFileSync(join(root, MIRROR_CA_PATH), m.caPem);
}
