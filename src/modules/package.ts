/**
 * package (also registered as apt, yum, dnf): install, upgrade or remove packages.
 *
 * Plan = one exec: installed versions (dpkg-query / rpm -q) plus, for apt, the
 * candidate versions (apt-cache policy) or, for yum/dnf with `latest`, the pending
 * upgrades. Apply = one exec: the install/remove command, then the same query, so
 * `installed_versions` is what is really there afterwards.
 *
 * update_cache: the cache refresh is part of READING the state (a `latest` decision
 * on a stale cache would be wrong), as in Ansible, which refreshes even in check mode.
 * A real run refreshes the host's cache in the plan's exec; an apt check run refreshes
 * into a throw-away copy of the lists (Dir::State::Lists, no pkgcache files) so the
 * host stays byte-identical and the verdict is still exact. yum/dnf check runs use the
 * current cache. With no names, update_cache alone is the change (apply refreshes).
 */
import { noteBasis } from '../plan/basis.js';
import { z } from 'zod';
import { withAliases } from './lib/args.js';
import { defineModule, ModuleFailure, type ModuleContext, type ModuleDef } from './types.js';
import { raw, sh, type Raw } from '../transport/quote.js';
import { listArg } from '../load/module-args.js';
import { fnmatch } from '../load/fnmatch.js';
import { compareVersions } from '../load/version-compare.js';

type Backend = 'apt' | 'yum' | 'dnf';
type State = 'present' | 'absent' | 'latest';

const flag = z.union([z.boolean(), z.stringbool()]);
// Package specs never start with "-" (they would read as options) and hold no shell syntax worth allowing.
const spec = z.string().regex(/^[A-Za-z0-9@_+.:~*][A-Za-z0-9@_+.:~*=<>-]*$/, 'not a package name or spec');

const fields = {
  name: listArg(spec).optional(),
  state: z
    .enum(['present', 'installed', 'absent', 'removed', 'latest'])
    .default('present')
    .transform((s): State => (s === 'installed' ? 'present' : s === 'removed' ? 'absent' : s)),
  update_cache: flag.default(false),
  /** apt only: seconds the cache stays fresh; 0 = refresh every time update_cache is set. */
  cache_valid_time: z.coerce.number().int().min(0).default(0),
  /** Ansible's package `use`: the package manager to drive; auto = the host's pkg_mgr fact. */
  use: z.enum(['auto', 'apt', 'yum', 'dnf']).default('auto'),
  /** apt's --allow-downgrades, yum's `downgrade` command: a pinned older version may replace a newer one. */
  allow_downgrade: flag.default(false),
};
// Ansible's apt/yum/dnf aliases (argument_spec of ansible-core 2.14); only apt.py spells allow_downgrade four ways.
const ALIASES = { pkg: 'name', package: 'name', 'update-cache': 'update_cache', 'expire-cache': 'update_cache' };
const APT_ALIASES = { ...ALIASES, 'allow-downgrade': 'allow_downgrade', allow_downgrades: 'allow_downgrade', 'allow-downgrades': 'allow_downgrade' };

/** apt's (and package's, which hands it to apt): `purge` with state=absent removes the configuration files too. */
export const schema = withAliases(
  z.strictObject({ ...fields, purge: flag.default(false) }).transform(({ name, ...rest }) => ({ ...rest, name: name ?? [] })),
  APT_ALIASES,
);
/** yum and dnf take no `purge` (Ansible: "Unsupported parameters"). */
const rpmSchema = withAliases(
  z.strictObject(fields).transform(({ name, ...rest }) => ({ ...rest, purge: false, name: name ?? [] })),
  ALIASES,
);
export type PackageArgs = z.infer<typeof schema>;

export interface Spec {
  /** As written by the user. */
  spec: string;
  /** Package name without version pin or architecture. */
  name: string;
  /** apt `name=version` pin (may hold * globs). */
  version?: string;
}

export function parseSpec(s: string, backend: Backend): Spec {
  if (backend === 'apt') {
    const [nameArch, version, extra] = s.split('=');
    if (extra !== undefined) throw new ModuleFailure(`invalid package spec: ${s}`);
    return { spec: s, name: nameArch.replace(/:[a-z0-9]+$/, ''), version };
  }
  // rpm specs (name, name-version, name-version-release) are resolved by rpm itself.
  return { spec: s, name: s };
}

// ---------------------------------------------------------------- remote scripts

const Q = '__NODEMEND_PKG__';

/** Per spec: a marker line, then the installed state. Ends with apt's policy when asked. */
export function queryScript(backend: Backend, specs: Spec[], opts: { policy?: boolean; upgrades?: boolean; aptOpts?: Raw } = {}): Raw {
  const aptOpts = opts.aptOpts ?? raw('');
  if (backend === 'apt') {
    const names = specs.map((s) => s.spec.split('=')[0]);
    // python-apt's installed_files: the package's dpkg .list file (kept with its conffiles after a remove) decides a purge
    // apt.py get_updated_cache_time: the mtime of update-success-stamp, else of the lists dir, else 0
    return sh`a=$(dpkg --print-architecture 2>/dev/null)
printf '%s %s\\n' ${Q + 'STAMP'} "$(stat -c %Y /var/lib/apt/periodic/update-success-stamp 2>/dev/null || stat -c %Y /var/lib/apt/lists 2>/dev/null || echo 0)"
for n in ${names}; do printf '%s %s\\n' ${Q} "$n"; dpkg-query -W -f='\${db:Status-Abbrev}|\${Version}\\n' "$n" 2>/dev/null
  for l in "$n" "\${n%%:*}" "\${n%%:*}:$a"; do if [ -e "/var/lib/dpkg/info/$l.list" ]; then printf '%s\\n' ${Q + 'FILES'}; break; fi; done; done
${
  opts.policy
    ? sh`printf '%s\\n' ${Q + 'AUTO'}; apt-mark showauto ${names} 2>/dev/null
printf '%s\\n' ${Q + 'POLICY'}; LC_ALL=C apt-cache ${aptOpts} policy ${names} 2>/dev/null`
    : raw(':')
}`;
  }
  const qf = '%{NAME}|%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}|%{ARCH}\\n';
  // yum.py latest(): `yum check-update` (exit 100: updates listed, 0: none, 1: an error, its stderr the msg)
  const upgrades =
    backend === 'dnf' ? sh`dnf -q list --upgrades ${specs.map((s) => s.spec)} 2>/dev/null` : sh`yum -q check-update ${specs.map((s) => s.spec)}; printf '%s %s\\n' ${Q + 'CHECKRC'} "$?"`;
  // a name-version spec not installed as such: the installed package of its name (the spec less one or
  // two "-digits..." parts, as rpm reads a label), so a newer one is seen (yum.py's downgrade check)
  return sh`for n in ${specs.map((s) => s.spec)}; do printf '%s %s\\n' ${Q} "$n"; rpm -q --qf ${qf} "$n" 2>/dev/null | grep '|' && continue
  for c in "\${n%-*}" "\${n%-*-*}"; do [ "$c" != "$n" ] || continue; case "\${n#"$c"-}" in [0-9]*) ;; *) continue ;; esac
    r=$(rpm -q --qf ${qf} "$c" 2>/dev/null | awk -F'|' -v c="$c" '$1 == c' | tail -n 1) && [ -n "$r" ] && { printf '%s %s\\n' ${Q + 'NAMED'} "$r"; break; }; done; done
${opts.upgrades ? sh`printf '%s\\n' ${Q + 'UPGRADES'}; LC_ALL=C ${upgrades}` : raw(':')}`;
}

export interface PolicyEntry {
  installed?: string;
  candidate?: string;
  versions: string[];
}

export interface QueryResult {
  /** Installed version per spec (undefined: not installed). */
  installed: Map<string, string | undefined>;
  /** apt: per package name. */
  policy: Map<string, PolicyEntry>;
  /** yum/dnf: names with a pending upgrade, and its version. */
  upgrades: Map<string, string>;
  /** yum/dnf: yum.py parse_check_update's `updates`: per name, each listed version with its arch (`dist`) and repository. */
  updates: Map<string, { version: string; dist: string; repo: string }[]>;
  /** yum: check-update's exit code (100: updates, 0: none, 1: an error). */
  checkRc?: number;
  /** yum/dnf: the installed package's name and arch per spec, for yum.py's "E:N-V-R.A providing SPEC is already installed". */
  pkg: Map<string, { name: string; arch: string }>;
  /** apt: specs whose package still has files (installed, or removed with its conffiles kept: dpkg's "rc"). */
  hasFiles: Set<string>;
  /** apt: the named packages marked automatically installed (apt-mark showauto). */
  auto: Set<string>;
  /** apt: Ansible's cache_update_time (seconds since the epoch of the last cache refresh). */
  cacheTime?: number;
  /** yum/dnf: for a name-version spec not installed as such, its package's installed name and version. */
  named: Map<string, { name: string; version: string }>;
}

export function parseQuery(backend: Backend, stdout: string): QueryResult {
  const installed = new Map<string, string | undefined>();
  const policy = new Map<string, PolicyEntry>();
  const upgrades = new Map<string, string>();
  const updates = new Map<string, { version: string; dist: string; repo: string }[]>();
  const pkg = new Map<string, { name: string; arch: string }>();
  let checkRc: number | undefined;
  const hasFiles = new Set<string>();
  const auto = new Set<string>();
  const named = new Map<string, { name: string; version: string }>();
  let cacheTime: number | undefined;
  let section: 'specs' | 'auto' | 'policy' | 'upgrades' = 'specs';
  let current: string | undefined;
  const tail: string[] = [];
  for (const line of stdout.split('\n')) {
    if (line.startsWith(`${Q}STAMP `)) cacheTime = Number(line.slice(Q.length + 6)) || 0;
    else if (line.startsWith(`${Q}CHECKRC `)) checkRc = Number(line.slice(Q.length + 8));
    else if (line === `${Q}AUTO`) section = 'auto';
    else if (section === 'auto' && line === `${Q}POLICY`) section = 'policy';
    else if (section === 'auto') {
      if (line.trim()) auto.add(line.trim().replace(/:[a-z0-9]+$/, ''));
    } else if (line === `${Q}POLICY`) section = 'policy';
    else if (line === `${Q}UPGRADES`) section = 'upgrades';
    else if (section === 'specs' && line.startsWith(`${Q}NAMED `)) {
      const [name, version] = line.slice(Q.length + 6).split('|');
      if (current !== undefined && version) named.set(current, { name, version: version.trim() });
    } else if (section === 'specs' && line === `${Q}FILES`) {
      if (current !== undefined) hasFiles.add(current);
    } else if (section === 'specs' && line.startsWith(`${Q} `)) {
      current = line.slice(Q.length + 1);
      installed.set(current, undefined);
    } else if (section === 'specs' && current !== undefined && installed.get(current) === undefined) {
      // dpkg: "ii |1.0" (its second letter: the current state, i = installed, also when held: "hi"); rpm: "name|1.0-1"
      const [status, version, a] = line.split('|');
      if (version && (backend !== 'apt' || status[1] === 'i')) installed.set(current, version.trim());
      if (version && backend !== 'apt' && a) pkg.set(current, { name: status, arch: a.trim() });
    } else if (section !== 'specs') tail.push(line);
  }
  if (backend === 'apt') {
    let entry: PolicyEntry | undefined;
    for (const line of tail) {
      const head = /^(\S+):$/.exec(line);
      const field = /^ {2}(Installed|Candidate): (\S+)$/.exec(line);
      const version = /^ (?:\*\*\*| {3}) (\S+) -?\d+$/.exec(line);
      if (head) policy.set(head[1].replace(/:[a-z0-9]+$/, ''), (entry = { versions: [] }));
      else if (entry && field) entry[field[1] === 'Installed' ? 'installed' : 'candidate'] = field[2] === '(none)' ? undefined : field[2];
      else if (entry && version) entry.versions.push(version[1]);
    }
  } else {
    // yum.py parse_check_update: wrapped columns joined back, then "name.arch version repo" lines (six words:
    // an obsoleting pair); a line with a lone "*" (mirror lists), another word count or no "." in the name is skipped
    const text = tail
      .filter((l) => l)
      .join('\n')
      .replace(/\n\W+(.*)/g, ' $1');
    for (const line of text.split('\n')) {
      const w = line.split(/\s+/).filter(Boolean);
      if (w.includes('*') || (w.length !== 3 && w.length !== 6) || !w[0].includes('.')) continue;
      const dot = w[0].lastIndexOf('.');
      const [name, dist] = [w[0].slice(0, dot), w[0].slice(dot + 1)];
      if (!updates.has(name)) updates.set(name, []);
      updates.get(name)!.push({ version: w[1], dist, repo: w[2] });
      if (!upgrades.has(name)) upgrades.set(name, w[1]);
    }
  }
  return { installed, policy, upgrades, updates, pkg, hasFiles, auto, named, ...(cacheTime !== undefined ? { cacheTime } : {}), ...(checkRc !== undefined ? { checkRc } : {}) };
}

/**
 * yum.py's compareEVR < 0 for a spec's version part ("18.06.3.ce", "18.06.3.ce-3.el7", "3:18.06...")
 * against the installed "[E:]V-R": the release only counts when the spec gives one, the installed
 * epoch stands for a spec without one (the repository's package of that name carries it).
 */
export function rpmOlder(wanted: string, installed: string): boolean {
  const split = (evr: string) => {
    const m = /^(?:(\d+):)?([^-]+)(?:-(.+))?$/.exec(evr);
    return { e: m?.[1], v: m?.[2] ?? evr, r: m?.[3] };
  };
  const w = split(wanted);
  const i = split(installed);
  const e = compareVersions(w.e ?? i.e ?? '0', i.e ?? '0');
  const v = e || compareVersions(w.v, i.v);
  return (v || (w.r !== undefined && i.r !== undefined ? compareVersions(w.r, i.r) : 0)) < 0;
}

/** apt version pins (`1.2*`) match as Ansible's apt module matches them: fnmatch. */
const versionMatches = (pattern: string, version: string): boolean => fnmatch(version, pattern);

export interface Decision {
  /** Specs to install (for apt, pinned specs get their exact matching version). */
  install: string[];
  /** yum/dnf: installed packages to upgrade. */
  upgrade: string[];
  remove: string[];
  /** apt: installed packages, named by the task, that apt marked automatically installed: marked manual (as Ansible's apt does). */
  manual?: string[];
  /** apt: remove with --purge (the configuration files too). */
  purge?: boolean;
  /** Older versions may replace newer ones (apt --allow-downgrades, yum downgrade). */
  allowDowngrade?: boolean;
  /** apt: the install specs that are downgrades; yum: the specs to `yum downgrade`. */
  downgrade: string[];
  /** yum/dnf: why a spec is left alone (a newer version installed, no allow_downgrade). */
  kept: string[];
  /** yum latest: every installed spec, which yum.py's latest() names to `yum install` with the missing ones. */
  latestInstalled?: string[];
  /** One line per package for the plan's message. */
  notes: string[];
  /** The same lines once done ("installed curl 7.88"), for a real run's message. */
  done: string[];
}

export function decide(backend: Backend, state: State, specs: Spec[], q: QueryResult, opts: { purge?: boolean; allowDowngrade?: boolean; cache?: Record<string, unknown> } = {}): Decision {
  const purge = backend === 'apt' && state === 'absent' && Boolean(opts.purge);
  const d: Decision = { install: [], upgrade: [], remove: [], downgrade: [], kept: [], notes: [], done: [], ...(purge ? { purge } : {}) };
  if (opts.allowDowngrade) d.allowDowngrade = true;
  const note = (verb: string, doneVerb: string, what: string): void => {
    d.notes.push(`${verb} ${what}`);
    d.done.push(`${doneVerb} ${what}`);
  };
  const autoNamed: string[] = [];
  for (const s of specs) {
    const key = backend === 'apt' ? s.spec.split('=')[0] : s.spec;
    const have = q.installed.get(key);
    if (state === 'absent') {
      // Ansible's apt: removed when the version matches, or (purge) when the package still has files
      if ((have !== undefined && (!s.version || versionMatches(s.version, have))) || (purge && q.hasFiles?.has(key))) {
        d.remove.push(key);
        if (purge) note('purge', 'purged', `${s.name} ${have ?? '(configuration files)'}`);
        else note('remove', 'removed', `${s.name} ${have}`);
      }
      continue;
    }
    if (backend === 'apt') {
      const pol = q.policy.get(s.name);
      if (have !== undefined && q.auto?.has(key)) autoNamed.push(key);
      // apt.py package_status: a name apt does not know at all fails on the name alone (install()'s
      // "no available installation candidate" below also registers the cache fields, as apt.py's main does)
      if (!pol && have === undefined) throw new ModuleFailure(`No package matching '${s.name}' is available`);
      if (s.version) {
        // apt.py package_best_match: a Version pin at 1001 makes the newest matching version the candidate
        // (apt-cache policy lists the version table newest first, the installed one among them)
        const best = pol?.versions.find((x) => versionMatches(s.version!, x));
        // installed and matching: unchanged, unless a newer version matches too (apt.py's "legacy behavior")
        if (have !== undefined && versionMatches(s.version, have) && (!best || best === have)) continue;
        if (!best) throw new ModuleFailure(`no available installation candidate for ${s.spec}`, opts.cache);
        const pinned = `${s.spec.split('=')[0]}=${best}`;
        d.install.push(pinned);
        const older = have !== undefined && pol!.versions.indexOf(best) > pol!.versions.indexOf(have) && pol!.versions.includes(have);
        if (older) d.downgrade.push(pinned);
        if (have === undefined) note('install', 'installed', `${s.name} ${best}`);
        else if (older) note('downgrade', 'downgraded', `${s.name} ${have} -> ${best}`);
        else note('upgrade', 'upgraded', `${s.name} ${have} -> ${best}`);
        continue;
      }
      if (have === undefined) {
        if (!pol?.candidate) throw new ModuleFailure(`no available installation candidate for ${s.spec}`, opts.cache);
        d.install.push(s.spec);
        note('install', 'installed', `${s.name} ${pol.candidate}`);
      } else if (state === 'latest' && pol?.candidate && pol.candidate !== have) {
        d.install.push(s.spec);
        note('upgrade', 'upgraded', `${s.name} ${have} -> ${pol.candidate}`);
      }
      continue;
    }
    const other = have === undefined ? q.named?.get(s.spec) : undefined;
    if (other && state !== 'latest') {
      const wanted = s.spec.slice(other.name.length + 1);
      if (rpmOlder(wanted, other.version)) {
        // yum.py install(): with allow_downgrade a newer installed version makes it `yum downgrade SPEC`
        // (dnf.py: `dnf install SPEC`, which downgrades); without it yum.py runs `yum install SPEC`,
        // which yum answers with "Package matching ... already installed. Checking for update." and
        // "Nothing to do": unchanged (dnf.py: nothing at all).
        if (!d.allowDowngrade) {
          d.kept.push(`${other.name} ${other.version} is installed, newer than ${s.spec} (allow_downgrade is not set)`);
          continue;
        }
        d.downgrade.push(s.spec);
        note('downgrade', 'downgraded', `${other.name} ${other.version} -> ${wanted}`);
      } else {
        // `yum install NAME-VERSION` of a newer version is an update (yum lists it under "Updated:")
        d.install.push(s.spec);
        note('upgrade', 'upgraded', `${other.name} ${other.version} -> ${wanted}`);
      }
    } else if (have === undefined) {
      d.install.push(s.spec);
      note('install', 'installed', s.spec);
    } else if (state === 'latest' && q.upgrades.has(s.name)) {
      d.upgrade.push(s.spec);
      note('upgrade', 'upgraded', `${s.name} ${have} -> ${q.upgrades.get(s.name)}`);
    }
    if (backend === 'yum' && state === 'latest' && have !== undefined) (d.latestInstalled ??= []).push(s.spec);
  }
  // Ansible's apt marks every package it was asked for manually installed (apt-mark manual, after
  // installing); apt-get install already does it for what it installs.
  const manual = autoNamed.filter((k) => !d.install.some((i) => i.split('=')[0] === k));
  if (manual.length) {
    d.manual = manual;
    for (const k of manual) note('mark', 'marked', `${k} as manually installed`);
  }
  return d;
}

export interface YumReport {
  results: string[];
  changes?: { installed: string[]; updated?: [string, string][] };
}

/**
 * yum.py's `results` and `changes` as its install() (present) and latest() build them before yum
 * runs: an installed spec is "E:N-V-R.A providing SPEC is already installed" (po_to_envra, epoch 0
 * when unset) or, for latest, "All packages providing SPEC are up to date" unless check-update lists
 * it; `changes.installed` the specs yum installs, `updated` (latest) one [SPEC, "[E:]V-R.ARCH from
 * REPO"] per check-update line of its name. latest() always has `changes`; install() only when it runs yum.
 */
export function yumReport(state: State, specs: Spec[], q: QueryResult, d: Decision): YumReport {
  const results: string[] = [];
  if (state === 'absent') return { results };
  const updated: [string, string][] = [];
  for (const s of specs) {
    const have = q.installed.get(s.spec);
    if (have === undefined) continue;
    const ups = state === 'latest' ? q.updates.get(s.name) : undefined;
    if (ups) for (const u of ups) updated.push([s.spec, `${u.version}.${u.dist} from ${u.repo}`]);
    else if (state === 'latest') results.push(`All packages providing ${s.spec} are up to date`);
    else {
      const p = q.pkg.get(s.spec);
      const [e, vr] = have.includes(':') ? have.split(/:(.*)/) : ['0', have];
      results.push(`${e}:${p?.name ?? s.name}-${vr}.${p?.arch ?? 'noarch'} providing ${s.spec} is already installed`);
    }
  }
  if (state === 'latest') return { results, changes: { installed: d.install, updated } };
  return d.install.length ? { results, changes: { installed: d.install } } : { results };
}

const APT_GET = raw('LC_ALL=C DEBIAN_FRONTEND=noninteractive DEBIAN_PRIORITY=critical apt-get -y -q -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold');

/** The change itself, as one shell command line. */
export function changeCommand(backend: Backend, d: Decision): Raw {
  const parts: Raw[] = [];
  if (backend === 'apt') {
    const aptGet = aptGetCommand(d);
    if (aptGet) parts.push(aptGet);
    if (d.manual?.length) parts.push(sh`apt-mark manual ${d.manual} >/dev/null`);
  } else {
    const tool = raw(backend);
    if (d.downgrade.length) parts.push(sh`${tool} ${raw(backend === 'dnf' ? 'install' : 'downgrade')} -y ${d.downgrade}`);
    // yum.py latest(): one `yum install` of the missing specs and every installed one (yum updates those it can)
    if (d.latestInstalled && (d.install.length || d.upgrade.length)) parts.push(sh`${tool} install -y ${[...d.install, ...d.latestInstalled]}`);
    else if (d.install.length) parts.push(sh`${tool} install -y ${d.install}`);
    if (d.upgrade.length && !d.latestInstalled) parts.push(sh`${tool} ${raw(backend === 'dnf' ? 'upgrade' : 'update')} -y ${d.upgrade}`);
    if (d.remove.length) parts.push(sh`${tool} remove -y ${d.remove}`);
  }
  return raw(parts.map(String).join(' && ') || ':');
}

/** Refresh the package cache; for apt only when older than cache_valid_time. */
function refreshCommand(backend: Backend, validSec: number): Raw {
  if (backend !== 'apt') return sh`${raw(backend)} -q makecache >&2`;
  return sh`st=/var/lib/apt/periodic/update-success-stamp; [ -e "$st" ] || st=/var/lib/apt/lists
if [ $(( $(date +%s) - $(stat -c %Y "$st") )) -ge ${validSec} ] || [ ${validSec} -eq 0 ]; then
  ${APT_GET} update >&2 || exit 90; touch /var/lib/apt/lists
fi`;
}

/**
 * apt check run: refresh into a temp copy of the lists and point apt-cache at it. `-c` is read
 * after the host's config, so #clear drops update hooks (update-stamp, command-not-found...)
 * that would otherwise write to the host; empty pkgcache names keep /var/cache/apt untouched.
 */
const APT_SCRATCH_REFRESH = raw(`scratch=$(mktemp -d) || exit 90
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/lists" && cp -a /var/lib/apt/lists/. "$scratch/lists"/ && rm -f "$scratch/lists/lock" && mkdir -p "$scratch/lists/partial" || exit 90
printf '#clear APT::Update::Pre-Invoke;\\n#clear APT::Update::Post-Invoke;\\n#clear APT::Update::Post-Invoke-Success;\\nDir::State::Lists "%s/lists/";\\nDir::Cache::pkgcache "";\\nDir::Cache::srcpkgcache "";\\n' "$scratch" > "$scratch/apt.conf" || exit 90
apt-get -q -c "$scratch/apt.conf" update >&2 || exit 90`);
const APT_SCRATCH_OPTS = raw('-c "$scratch/apt.conf"');

/** What a failed apt-get is named in msg, as apt.py names it ("'apt-get remove PKGS' failed: STDERR"), with nodemend's own options. */
function aptCommandName(d: Decision): string {
  if (!d.install.length) return `apt-get ${d.purge ? '--purge ' : ''}remove ${d.remove.join(' ')}`;
  return `apt-get -y install ${d.install.join(' ')}${d.allowDowngrade ? ' --allow-downgrades' : ''}`;
}

/**
 * A pinned older version without allow_downgrade: apt-get itself refuses it ("E: Packages were
 * downgraded and -y was used without --allow-downgrades."), in Ansible's check mode too (its
 * --simulate run). Ask apt-get the same way, so the failure is apt's own words and a host whose
 * apt.conf sets APT::Get::allow-downgrades is let through as apt-get would.
 */
async function refuseAptDowngrade(ctx: ModuleContext, d: Decision, cache: Record<string, unknown>): Promise<void> {
  const sim = await ctx.conn.exec(sh`${APT_GET} --simulate install ${d.install}`, { timeoutSec: ctx.timeoutSec });
  if (sim.rc !== 0) throw new ModuleFailure(`'${aptCommandName(d)}' failed: ${sim.stderr}`, { rc: sim.rc, stdout: sim.stdout, stderr: sim.stderr, ...cache });
}

/**
 * apt.py parse_diff: what `--diff` registers as `diff.prepared`, the lines of apt-get's output after
 * "Reading state information..." (aptitude's "Resolving dependencies...") up to and including its
 * "N upgraded, ..." line (all of it without those markers).
 */
export function aptDiff(output: string): { prepared: string } {
  const lines = output.split(/\r\n|\n|\r/);
  if (lines.at(-1) === '') lines.pop(); // Python's splitlines() gives no empty last line
  let start = lines.indexOf('Resolving dependencies...');
  if (start < 0) start = lines.indexOf('Reading state information...');
  let end = lines.findIndex((l) => /^[0-9]+ (packages )?upgraded/.test(l));
  if (end < 0) end = lines.length;
  return { prepared: lines.slice(start + 1, end + 1).join('\n') };
}

/** The apt-get install/remove a decision runs, as one command line (`extra`: --simulate for a check run's diff). */
function aptGetCommand(d: Decision, extra: Raw = raw('')): Raw | undefined {
  if (d.install.length) return sh`${APT_GET}${extra} install ${d.install}${raw(d.allowDowngrade ? ' --allow-downgrades' : '')}`;
  if (d.remove.length) return sh`${APT_GET}${extra} ${raw(d.purge ? '--purge ' : '')}remove ${d.remove}`;
  return undefined;
}

function installedVersions(specs: Spec[], backend: Backend, q: QueryResult): Record<string, string | null> {
  const key = (s: Spec) => (backend === 'apt' ? s.spec.split('=')[0] : s.spec);
  return Object.fromEntries(specs.map((s) => [s.name, q.installed.get(key(s)) ?? q.named?.get(key(s))?.version ?? null]));
}

async function backendOf(fixed: Backend | undefined, ctx: ModuleContext): Promise<Backend> {
  if (fixed === 'apt') return 'apt';
  const mgr = await ctx.facts.get<string>('pkg_mgr');
  if (mgr === 'apt' || mgr === 'yum' || mgr === 'dnf') {
    if (fixed && mgr === 'apt') throw new ModuleFailure(`the ${fixed} module needs yum or dnf; this host uses apt`);
    return mgr;
  }
  throw new ModuleFailure('no supported package manager (apt-get, dnf, yum) found on the host');
}

function definePackageModule(name: string, fixed?: Backend): ModuleDef<PackageArgs> {
  return defineModule({
    name,
    description:
      name === 'package'
        ? "Install, upgrade or remove packages with the host's package manager (apt, dnf, yum)"
        : `Install, upgrade or remove packages (same as package, ${fixed === 'apt' ? 'apt' : 'yum/dnf'} hosts)`,
    schema: fixed === 'yum' || fixed === 'dnf' ? rpmSchema : schema,
    async plan(args, ctx) {
      if (fixed && args.use !== 'auto' && args.use !== fixed) throw new ModuleFailure(`the ${fixed} module cannot use ${args.use}`);
      const backend = args.use !== 'auto' ? args.use : await backendOf(fixed, ctx);
      if (args.purge && backend !== 'apt') throw new ModuleFailure(`Unsupported parameters for (${backend}) module: purge (apt only)`);
      const specs = args.name.map((n) => parseSpec(n, backend));
      if (args.state === 'latest' && specs.some((s) => s.version)) {
        throw new ModuleFailure('version number inconsistent with state=latest');
      }
      if (specs.length === 0) {
        if (!args.update_cache) throw new ModuleFailure('name is required unless update_cache is set');
        return {
          changed: true,
          msg: 'would update the package cache',
          done: 'package cache updated',
          apply: async () => {
            const res = await ctx.conn.exec(refreshCommand(backend, args.cache_valid_time), { timeoutSec: ctx.timeoutSec });
            if (res.rc !== 0) throw new ModuleFailure(`Failed to update the package cache: ${res.stderr.trim()}`, { rc: res.rc, stderr: res.stderr });
            return { cache_updated: true };
          },
        };
      }

      const wantPolicy = backend === 'apt' && args.state !== 'absent';
      const refresh = args.update_cache && args.state !== 'absent';
      const scratch = refresh && ctx.check && backend === 'apt' && wantPolicy;
      const query = queryScript(backend, specs, {
        policy: wantPolicy,
        upgrades: backend !== 'apt' && args.state === 'latest',
        aptOpts: scratch ? APT_SCRATCH_OPTS : undefined,
      });
      const prelude = refresh ? (scratch ? APT_SCRATCH_REFRESH : ctx.check ? raw(':') : refreshCommand(backend, args.cache_valid_time)) : raw(':');
      const res = await ctx.conn.exec(sh`${prelude}\n${query}`, { timeoutSec: ctx.timeoutSec });
      if (res.rc === 90) throw new ModuleFailure(`Failed to update the package cache: ${res.stderr.trim()}`, { rc: res.rc, stderr: res.stderr });
      const q = parseQuery(backend, res.stdout);
      for (const [spec, version] of q.installed) noteBasis(ctx.conn, `package ${spec}`, version ?? 'not installed');
      const cache = { cache_updated: refresh && !ctx.check, ...(q.cacheTime !== undefined ? { cache_update_time: q.cacheTime } : {}) };
      // yum.py latest(): check-update's exit 1 fails the task with its stderr
      if (backend === 'yum' && args.state === 'latest' && q.checkRc === 1) throw new ModuleFailure(res.stderr, { rc: 1, results: [] });
      const d = decide(backend, args.state, specs, q, { purge: args.purge, allowDowngrade: args.allow_downgrade, cache });
      const report = backend === 'yum' ? yumReport(args.state, specs, q, d) : undefined;
      if (backend === 'apt' && d.downgrade.length && !d.allowDowngrade) await refuseAptDowngrade(ctx, d, cache);
      const before = installedVersions(specs, backend, q);
      const cacheNote = refresh && ctx.check && !scratch ? ' (cache not refreshed in check mode)' : '';
      if (!d.install.length && !d.upgrade.length && !d.remove.length && !d.downgrade.length && !d.manual?.length) {
        const what = args.state === 'absent' ? 'absent' : args.state === 'latest' ? 'at the latest version' : 'present';
        const msg = d.kept.length ? d.kept.join(', ') : `all packages already ${what}`;
        // yum.py latest() appends the output of the yum it did not run ('') in a real run
        const idle = report && args.state === 'latest' && !ctx.check ? { ...report, results: [...report.results, ''] } : report;
        return { changed: false, msg: `${msg}${cacheNote}`, result: { installed_versions: before, ...cache, ...idle } };
      }
      // apt.py: when apt-get runs, with --diff `diff.prepared` from its output (a check run's from `apt-get
      // --simulate`), {} without; no diff key when it runs no apt-get (unchanged, or only the manual mark)
      const aptGet = backend === 'apt' ? aptGetCommand(d, raw(' --simulate')) : undefined;
      let checkDiff: Record<string, unknown> = {};
      if (aptGet && ctx.check) checkDiff = { diff: ctx.diff ? aptDiff((await ctx.conn.exec(aptGet, { timeoutSec: ctx.timeoutSec })).stdout) : {} };
      return {
        changed: true,
        msg: `would ${d.notes.join(', ')}${cacheNote}`,
        done: d.done.join(', '),
        result: { installed_versions: before, ...cache, ...report, ...checkDiff },
        apply: async () => {
          const run = await ctx.conn.exec(sh`${changeCommand(backend, d)}; rc=$?; printf '\\n'; ${queryScript(backend, specs)}; exit $rc`, {
            timeoutSec: ctx.timeoutSec,
          });
          ctx.facts.invalidate(['packages']); // even a failed transaction may have changed some
          const [out] = run.stdout.split(`\n${Q} `);
          const after = installedVersions(specs, backend, parseQuery(backend, run.stdout.slice(out.length + 1)));
          const stdout = out.replace(/\n$/, '');
          const fields = {
            rc: run.rc,
            stdout,
            stderr: run.stderr,
            installed_versions: after,
            ...(report ? { results: [...report.results, stdout] } : {}),
            ...(aptGet ? { diff: ctx.diff ? aptDiff(stdout) : {} } : {}),
          };
          if (run.rc !== 0) {
            if (backend === 'apt' && !run.timedOut) throw new ModuleFailure(`'${aptCommandName(d)}' failed: ${run.stderr}`, fields);
            const why = run.timedOut ? `timed out after ${ctx.timeoutSec} seconds` : run.stderr.trim().split('\n').pop() || `rc ${run.rc}`;
            throw new ModuleFailure(`${backend} failed: ${why}`, fields);
          }
          return fields;
        },
      };
    },
  });
}

export const apt = definePackageModule('apt', 'apt');
export const yum = definePackageModule('yum', 'yum');
export const dnf = definePackageModule('dnf', 'dnf');
export default definePackageModule('package');
