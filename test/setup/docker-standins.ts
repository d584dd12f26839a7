/**
 * Stand-ins for the container runtime's and the kubelet's programs on a test host, each mirroring
 * a named upstream release (see each one's comment): dockerd's `--version`, containerd.io's runc
 * `--version` (and whether it was built with nokmem), docker's sysvinit script /etc/init.d/docker,
 * and a kubelet binary's `--version`. The fleet has no docker, no kubelet and no systemd: tests
 * plant these with playbooks-env's plant().
 */

/**
 * `dockerd --version` of a docker engine release: moby cmd/dockerd/docker.go showVersion,
 * "Docker version %s, build %s\n" (dockerversion.Version, dockerversion.GitCommit).
 */
export const dockerdStandIn = (version: string, commit: string): string =>
  `#!/bin/sh\n# Stand-in dockerd ${version}: only --version, as moby cmd/dockerd/docker.go showVersion prints it.\n` +
  `case "$1" in --version | -v) echo "Docker version ${version}, build ${commit}" ;; *) echo "stand-in dockerd: only --version" >&2; exit 1 ;; esac\n`;

/**
 * runc as containerd.io ships it. `runc --version`: opencontainers/runc main.go (v1.0.0-rc6 to
 * rc92), urfave/cli's "runc version VERSION" then "commit: SHA" and "spec: 1.0.1-dev"; rc93 and
 * later add "go: goX" and "libseccomp: X.Y.Z". A build with the nokmem tag carries
 * libcontainer/cgroups/fs/kmem_disabled.go's error string in its rodata: the stand-in holds it
 * as a data line, and a build without the tag does not contain it anywhere.
 */
export function runcStandIn(version: string, commit: string, nokmem: boolean): string {
  const lines = [`runc version ${version}`, `commit: ${commit}`, 'spec: 1.0.1-dev'];
  if (/-rc(9[3-9])$|^1\.[0-9]+\.[0-9]+$/.test(version)) lines.push('go: go1.16.4', 'libseccomp: 2.3.1');
  return (
    `#!/bin/sh\n# Stand-in runc ${version} (opencontainers/runc main.go --version)${nokmem ? ', built with the nokmem tag' : ''}.\n` +
    `case "$1" in --version | -v) printf '%s\\n' ${lines.map((l) => `'${l}'`).join(' ')} ;; *) echo "stand-in runc: only --version" >&2; exit 1 ;; esac\nexit 0\n` +
    (nokmem ? `# rodata: kernel memory accounting disabled in this runc build\n` : '')
  );
}

export interface SysvinitDockerOpts {
  /** The daemon the script checks is executable (the real script: exec="/usr/bin/dockerd"). */
  dockerd?: string;
  /** Test knob: each start/stop/restart is appended here ("<action>", or "<epoch ms> <action>"). */
  log: string;
  timestamps?: boolean;
  /** The real script's pidfile="/var/run/$prog.pid"; its presence stands for the running daemon. */
  pidfile?: string;
}

/**
 * /etc/init.d/docker as moby/moby contrib/init/sysvinit-redhat/docker (at 05444a56) behaves, on a
 * host without a daemon to run: start when running exits 0 at once; a missing daemon binary
 * prints "Docker executable X not found", exit 5; start prints "Starting docker:" and
 * " [  OK  ]" (functions' success); stop when stopped exits 0, else "Stopping docker: [  OK  ]";
 * restart = stop + start; status as /etc/rc.d/init.d/functions' `status -p PIDFILE docker`:
 * "docker (pid N) is running...", exit 0, or "docker is stopped", exit 3; anything else prints
 * the usage line, exit 2. The daemon itself is not run: the pidfile holds the script's pid.
 */
export function sysvinitDockerStandIn(o: SysvinitDockerOpts): string {
  const pidfile = o.pidfile ?? '/var/run/docker.pid';
  const stamp = o.timestamps ? '"$(date +%s%3N) $1"' : '"$1"';
  return `#!/bin/sh
# Stand-in for /etc/init.d/docker: moby/moby contrib/init/sysvinit-redhat/docker (05444a56), outputs
# and exit codes; the daemon is not run (its pidfile stands for it). Calls are logged to ${o.log}.
prog=docker exec=${o.dockerd ?? '/usr/bin/dockerd'} pidfile=${pidfile}
running() { [ -f "$pidfile" ]; }
start() {
  if [ ! -x "$exec" ]; then
    if [ ! -e "$exec" ]; then echo "Docker executable $exec not found"; else echo "You do not have permission to execute the Docker executable $exec"; fi
    exit 5
  fi
  printf 'Starting %s:\t' "$prog"; mkdir -p "$(dirname "$pidfile")"; echo $$ > "$pidfile"; echo ' [  OK  ]'
}
stop() { printf 'Stopping %s: ' "$prog"; rm -f "$pidfile"; echo ' [  OK  ]'; }
case "$1" in
  start) running && exit 0; echo ${stamp} >> ${o.log}; start ;;
  stop) running || exit 0; echo ${stamp} >> ${o.log}; stop ;;
  restart) echo ${stamp} >> ${o.log}; running && stop; start ;;
  status)
    if running; then echo "$prog (pid $(cat "$pidfile")) is running..."; exit 0; fi
    echo "$prog is stopped"; exit 3 ;;
  *) echo "Usage: $0 {start|stop|status|restart|condrestart|try-restart|reload|force-reload}"; exit 2 ;;
esac
exit 0
`;
}

/**
 * A kubelet binary as far as `kubelet --version` goes: kubernetes/kubernetes v1.12 to v1.14
 * pkg/version/verflag/verflag.go PrintAndExitIfRequested (later releases: component-base's
 * verflag, same output) prints "Kubernetes " then the gitVersion and exits 0. `build` names the
 * build in a data line, so two builds of one version are different files (other checksums).
 */
export const kubeletStandIn = (version: string, build = 'kubernetes/kubernetes release'): string =>
  `#!/bin/sh\n# Stand-in kubelet ${version}: only --version, as pkg/version/verflag/verflag.go prints it.\n# build: ${build}\n` +
  `case "$1" in --version) echo "Kubernetes ${version}" ;; *) echo "stand-in kubelet: only --version" >&2; exit 1 ;; esac\n`;
