/**
 * A public role through ansible-playbook and nodemend on node37: geerlingguy.docker 7.4.7
 * (test/fixtures/roles-public/roles/geerlingguy.docker, vendored unedited), compared the way
 * differential-public-role.test.ts compares os_hardening (test/setup/role-differential.ts).
 *
 * The fleet has no internet, and a fleet host runs no systemd. So:
 * - Docker's APT repository is served from this machine (test/setup/local-apt-repo.ts): the layout
 *   of download.docker.com/linux/debian, InRelease signed with a fresh key that the role downloads
 *   with get_url from `{{ docker_repo_url }}/debian/gpg`, as it would Docker's. Only role variables
 *   point there (docker_repo_url, docker_apt_gpg_key_checksum, docker_compose_url): the role is not
 *   edited. Its packages are dummies of docker-ce 27.4.1's (DOCKER_PACKAGES below);
 * - the docker service is systemd 252's systemctl stand-in (test/setup/system-standins.ts, as on
 *   node36) with /run/systemd/system, so both tools take the host for a systemd one, and the dummy
 *   docker-ce ships docker.service: `service: state=started enabled=true` and the `restart docker`
 *   handler run against it;
 * - docker_users (the user/group tasks) and docker_install_compose (get_url of the compose binary)
 *   are on, with a dummy docker-compose v2.32.1 served from here.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES, type Mode } from '../setup/ansible-differential.js';
import { workDir } from '../setup/cli.js';
import { HOSTS } from '../setup/fleet.js';
import { changed, expectCheckPredictsRun, expectQuietRerun, expectSameOrder, onHost, roleCopy, runBoth, runOf, sequence, type NotYet, type RoleRuns, type Tool } from '../setup/role-differential.js';
import { buildSignedRepo, serveDir, type DummyPackage } from '../setup/local-apt-repo.js';
import { plantSystemctlStandin, SYSTEMCTL_STATE_DIR, SYSTEMD_CANARY } from '../setup/system-standins.js';

const HOST = HOSTS.ansibleDockerRole[0];
const ROLE = resolve(import.meta.dirname, '../fixtures/roles-public/roles/geerlingguy.docker');

/** Left out of a temporary copy of the role until nodemend takes it: nothing now (the role runs unedited). */
const NOT_YET: NotYet[] = [];

const DOCKER = '27.4.1';
const DEB_SUFFIX = '-1~debian.12~bookworm';
const COMPOSE = '2.32.1';

/** A dummy program: prints what the real one's `--version` prints, else stays up until stopped (a daemon) or exits 0. */
const program = (what: string, version: string, daemon = false): PackageFileLike => ({
  content: `#!/bin/sh\n# nodemend test dummy of ${what}: no engine, only its version line${daemon ? ' and a process that runs until stopped' : ''}\ncase "$1" in --version|version) printf '%s\\n' ${JSON.stringify(version)}; exit 0 ;; esac\n${daemon ? 'exec sleep infinity\n' : 'exit 0\n'}`,
  mode: 0o755,
});
type PackageFileLike = { content: string; mode: number };

/**
 * Dummies of the packages the role installs from download.docker.com for Debian 12, named and
 * versioned as Docker's (docker/docker-ce-packaging deb/common/control and rules: what each
 * package installs where; docker-ce's Depends; its postinst adds the `docker` system group).
 * docker.service is moby v27.4.1 contrib/init/systemd/docker.service less the socket activation
 * (`-H fd://`, Requires=docker.socket: the stand-in manager has no sockets). Left out: debhelper's
 * enable/start snippets of the postinst (the role's service task enables and starts docker here).
 */
const DOCKER_PACKAGES: DummyPackage[] = [
  {
    name: 'docker-ce',
    version: `5:${DOCKER}${DEB_SUFFIX}`,
    depends: 'containerd.io (>= 1.6.24), docker-ce-cli',
    description: `dummy of docker-ce ${DOCKER} (download.docker.com) for nodemend's tests`,
    postinst:
      '#!/bin/sh\nset -e\n# docker-ce-packaging deb/common/docker-ce.postinst\nif [ "$1" = configure ] && [ -z "$2" ]; then\n  getent group docker >/dev/null || groupadd --system docker\nfi\n',
    files: [
      { path: 'usr/bin/dockerd', ...program('dockerd', `Docker version ${DOCKER}, build c710b88`, true) },
      {
        path: 'usr/lib/systemd/system/docker.service',
        content: [
          '[Unit]',
          'Description=Docker Application Container Engine',
          'Documentation=https://docs.docker.com',
          'After=network-online.target firewalld.service containerd.service time-set.target',
          'Wants=network-online.target containerd.service',
          '',
          '[Service]',
          'Type=notify',
          'ExecStart=/usr/bin/dockerd --containerd=/run/containerd/containerd.sock',
          'ExecReload=/bin/kill -s HUP $MAINPID',
          'TimeoutStartSec=0',
          'RestartSec=2',
          'Restart=always',
          'Delegate=yes',
          'KillMode=process',
          'OOMScoreAdjust=-500',
          '',
          '[Install]',
          'WantedBy=multi-user.target',
          '',
        ].join('\n'),
      },
    ],
  },
  {
    name: 'docker-ce-cli',
    version: `5:${DOCKER}${DEB_SUFFIX}`,
    description: `dummy of docker-ce-cli ${DOCKER} for nodemend's tests`,
    files: [{ path: 'usr/bin/docker', ...program('the docker CLI', `Docker version ${DOCKER}, build b9d17ea`) }],
  },
  {
    name: 'docker-ce-rootless-extras',
    version: `5:${DOCKER}${DEB_SUFFIX}`,
    description: `dummy of docker-ce-rootless-extras ${DOCKER} for nodemend's tests`,
    files: [{ path: 'usr/bin/rootlesskit', ...program('rootlesskit', 'rootlesskit version 2.3.1') }],
  },
  {
    name: 'containerd.io',
    version: '1.7.24-1',
    description: "dummy of containerd.io 1.7.24 for nodemend's tests",
    files: [{ path: 'usr/bin/containerd', ...program('containerd', 'containerd containerd.io 1.7.24 88bf19b') }],
  },
  {
    name: 'docker-buildx-plugin',
    version: `0.19.3${DEB_SUFFIX}`,
    description: "dummy of docker-buildx-plugin 0.19.3 for nodemend's tests",
    files: [{ path: 'usr/libexec/docker/cli-plugins/docker-buildx', ...program('docker-buildx', 'github.com/docker/buildx v0.19.3 48d6a39') }],
  },
  {
    name: 'docker-compose-plugin',
    version: `${COMPOSE}${DEB_SUFFIX}`,
    description: `dummy of docker-compose-plugin ${COMPOSE} for nodemend's tests`,
    files: [{ path: 'usr/libexec/docker/cli-plugins/docker-compose', ...program('docker-compose', `Docker Compose version v${COMPOSE}`) }],
  },
];

/** The standalone docker-compose (github.com/docker/compose releases v2.32.1, docker-compose-linux-x86_64): its `--version` line. */
const COMPOSE_BINARY = program('docker-compose (standalone)', `Docker Compose version v${COMPOSE}`).content;

/** The role's variables: where the repository, its key and compose are (here), and the features the comparison covers. */
function playVars(url: string, key: Buffer): Record<string, unknown> {
  return {
    docker_repo_url: `${url}/linux`,
    docker_apt_gpg_key_checksum: `sha256:${createHash('sha256').update(key).digest('hex')}`,
    docker_users: ['ops'],
    docker_install_compose: true,
    docker_compose_url: `${url}/compose/v${COMPOSE}/docker-compose-linux-x86_64`,
    // What a Kubernetes node wants from docker (the kubelet's cgroup driver), through the role's daemon.json task.
    docker_daemon_options: { 'exec-opts': ['native.cgroupdriver=systemd'], 'log-driver': 'json-file' },
  };
}

describe('omit and ansible_version, as the role uses them', () => {
  const d = differential(HOST, 'omit');
  const omit = d.case('default(omit) leaves the argument out; ansible_version is 2.14.18', {
    vars: { nm_mode: '0600' },
    tasks: `
      - name: an omitted mode is not set
        copy: { dest: "{{ dir }}/a", content: "a\\n", mode: "{{ nm_no_mode | default(omit) }}" }
        register: nm_a
      - name: a given one is
        copy: { dest: "{{ dir }}/b", content: "b\\n", mode: "{{ nm_mode | default(omit) }}" }
        register: nm_b
      - name: a nested omit (a mapping inside a list too)
        set_fact:
          nm_nested: { keep: 1, drop: "{{ nm_none | default(omit) }}" }
          nm_listed: ["{{ nm_none | default(omit) }}", { drop: "{{ nm_none | default(omit) }}", keep: 2 }]
        register: nm_sf1
      - name: the role's version test
        set_fact:
          nm_version: "{{ ansible_version }}"
          nm_new_enough: "{{ ansible_version.full is version_compare('2.12', '>=') }}"
        register: nm_sf2
    `,
  });
  beforeAll(() => d.run(), 600_000);
  it.each(MODES)('%s: same files, changed flags and registered results', (mode) => {
    expect(omit.nodemend[mode].files, omit.nodemend[mode].output).toEqual(omit.ansible[mode].files);
    expect(omit.nodemend[mode].changed).toEqual(omit.ansible[mode].changed);
    const facts = (tool: 'ansible' | 'nodemend', r: string): Record<string, any> => omit[tool][mode].registered[r]?.ansible_facts ?? {};
    expect(facts('nodemend', 'nm_sf2')).toEqual(facts('ansible', 'nm_sf2'));
    expect(facts('nodemend', 'nm_sf1').nm_nested).toEqual(facts('ansible', 'nm_sf1').nm_nested);
    // A mapping inside a list loses its omitted key; an element that is the token itself stays (each tool's own token).
    expect(facts('nodemend', 'nm_sf1').nm_listed[1]).toEqual(facts('ansible', 'nm_sf1').nm_listed[1]);
    expect(facts('nodemend', 'nm_sf1').nm_listed[0]).toMatch(/^__omit_place_holder__[0-9a-f]{40}$/);
    expect(facts('ansible', 'nm_sf1').nm_listed[0]).toMatch(/^__omit_place_holder__[0-9a-f]{40}$/);
  });
  it('the values themselves', () => {
    expect(omit.ansible.run.files.a).toMatchObject({ type: 'file', mode: '0644' });
    expect(omit.ansible.run.files.b).toMatchObject({ type: 'file', mode: '0600' });
    expect(omit.ansible.run.registered.nm_sf1.ansible_facts.nm_nested).toEqual({ keep: 1 });
    expect(omit.ansible.run.registered.nm_sf2.ansible_facts).toEqual({ nm_version: { string: '2.14.18', full: '2.14.18', major: 2, minor: 14, revision: 18 }, nm_new_enough: true });
  });
});

/**
 * An Ansible row as nodemend titles it, for the deliberate difference the README lists
 * ("Choices where Ansible users might expect otherwise"): an unnamed task is titled with its module
 * and its first argument (`set_fact {{ docker_compose_vsn.stdout | ...`; Ansible: `set_fact`).
 */
const asNodemendTitles = (row: string): unknown =>
  /^geerlingguy\.docker : set_fact: \w+$/.test(row) ? expect.stringMatching(new RegExp(`^geerlingguy\\.docker : set_fact .+${row.slice(row.lastIndexOf(':'))}$`)) : row;

describe('geerlingguy.docker through ansible-playbook and nodemend on a fresh host', () => {
  let runs: RoleRuns;
  let server: Awaited<ReturnType<typeof serveDir>> | undefined;
  const get = (tool: Tool, mode: Mode) => runOf(runs, tool, mode);

  beforeAll(async () => {
    const www = workDir('docker-repo');
    const repo = buildSignedRepo(join(www, 'linux/debian'), { suite: 'bookworm', component: 'stable', arch: 'amd64', packages: DOCKER_PACKAGES });
    mkdirSync(join(www, `compose/v${COMPOSE}`), { recursive: true });
    writeFileSync(join(www, `compose/v${COMPOSE}/docker-compose-linux-x86_64`), COMPOSE_BINARY);
    server = await serveDir(www);
    runs = await runBoth({
      host: HOST,
      dir: roleCopy(ROLE, NOT_YET),
      name: 'geerlingguy.docker',
      vars: playVars(server.url, repo.key),
      prepare: async (root) => {
        plantSystemctlStandin(root);
        const r = await onHost(HOST, `mkdir -p ${SYSTEMD_CANARY}`);
        if (r.code !== 0) throw new Error(r.stderr);
      },
    });
  }, 3_600_000);
  afterAll(() => server?.close());

  it.each(['run', 'rerun'] as Mode[])('%s: the same tasks in the same order, each ok / changed / skipped / failed alike', (mode) => {
    expectSameOrder(runs, mode, { expected: asNodemendTitles });
  });

  it('run: the same paths changed, with the same content, mode, owner and group', () => {
    const ansible = changed(get('ansible', 'run'));
    // Not vacuous: the repository, its key, the packages' files, daemon.json, compose, the group, the started unit.
    expect(Object.keys(ansible)).toEqual(
      expect.arrayContaining([
        '/etc/apt/keyrings/docker.asc',
        '/etc/apt/sources.list.d/docker.list',
        '/usr/bin/dockerd',
        '/usr/lib/systemd/system/docker.service',
        '/etc/docker/daemon.json',
        '/usr/local/bin/docker-compose',
        '/etc/group',
        '/etc/systemd/system/multi-user.target.wants/docker.service',
        `${SYSTEMCTL_STATE_DIR}/docker.service.pid`,
      ]),
    );
    expect(changed(get('nodemend', 'run'))).toEqual(ansible);
  });

  it('run: ops is in the docker group, docker is enabled and running (restarted once by the handler)', () => {
    const run = get('ansible', 'run');
    expect(String((changed(run)['/etc/group'] as { content: string }).content)).toMatch(/^docker:x:\d+:ops$/m);
    expect(sequence(run)).toContain('HANDLER geerlingguy.docker : restart docker: changed');
  });

  it('rerun: changes nothing in either tool', () => {
    expectQuietRerun(runs);
  });

  it("nodemend's check run changes nothing and predicts its run, up to what the repository it would add would bring", () => {
    // As in Ansible's check run: the repository is not added, so its packages are not there to
    // install (either of apt.py's messages for that) (the role ignores those errors in check mode: `ignore_errors: "{{ ansible_check_mode }}"`),
    // nor docker.service to start, and the docker group the package would add is not there for getent,
    // which fails the host.
    const unknowable: Record<string, RegExp> = {
      'geerlingguy.docker : Install Docker packages (with downgrade option).': /^(no available installation candidate for docker-ce|No package matching 'docker-ce' is available)$/,
      'geerlingguy.docker : Install docker-compose-plugin (with downgrade option).':
        /^(no available installation candidate for docker-compose-plugin|No package matching 'docker-compose-plugin' is available)$/,
      'geerlingguy.docker : Ensure Docker is started and enabled at boot.': /^Could not find the requested service docker/,
      'geerlingguy.docker : restart docker': /^Could not find the requested service docker/,
    };
    const before = expectCheckPredictsRun(runs, { task: 'geerlingguy.docker : Get docker group info using getent.' }, unknowable);
    expect(before.filter((t) => t.changed).length).toBeGreaterThan(5);
  });

  it('both tools exit 0', () => {
    for (const tool of ['ansible', 'nodemend'] as Tool[]) for (const mode of ['run', 'rerun'] as Mode[]) expect(get(tool, mode).exitCode, get(tool, mode).output).toBe(0);
  });
});
