/**
 * apt_repository's source-list logic (src/modules/lib/apt-sources.ts). Every expected value below was
 * printed by ansible-core 2.14.18's own SourcesList (modules/apt_repository.py: _parse,
 * _suggest_filename, _add_valid_source, _remove_valid_source, dump) on the same input.
 */
import { describe, expect, it } from 'vitest';
import {
  addSource,
  dumpSources,
  expandPath,
  parseSourceLine,
  readSourceFile,
  removeSource,
  repoSource,
  SourceIndexError,
  suggestFilename,
  type SourcesFiles,
} from '../../../src/modules/lib/apt-sources.js';
import aptRepository, { fetchError, PPA_REFUSED, retryDelaySec } from '../../../src/modules/apt_repository.js';

const A = 'deb http://a.example/debian bookworm main';
const files = (o: Record<string, string>): SourcesFiles => new Map(Object.entries(o).map(([f, t]) => [f, readSourceFile(t)]));
const dump = (f: SourcesFiles): Record<string, string> => Object.fromEntries(dumpSources(f));

describe('parsing a line (_parse)', () => {
  it.each([
    ['#deb http://a b c  # hi there', { valid: true, enabled: false, source: 'deb http://a b c', comment: 'hi there' }],
    ['##x', { valid: false, enabled: false, source: '#x', comment: '' }],
    ['#', { valid: false, enabled: false, source: '', comment: '' }],
    ['  deb   http://a   b c ', { valid: true, enabled: true, source: 'deb http://a b c', comment: '' }],
    ['foo # bar', { valid: false, enabled: true, source: 'foo', comment: 'bar' }],
    ['deb http://a b#c', { valid: true, enabled: true, source: 'deb http://a b', comment: 'c' }],
    ['#  deb-src x y', { valid: true, enabled: false, source: 'deb-src x y', comment: '' }],
  ])('%j', (line, want) => {
    expect(parseSourceLine(line)).toEqual(want);
  });
  it('a repo argument must be an enabled one-line source with a URI; deb822 text is not one', () => {
    expect(repoSource(`  ${A.replace(/ /g, '   ')} `)).toEqual({ source: A });
    expect(repoSource(`# ${A}`)).toEqual({ invalid: ` ${A}` });
    expect(repoSource('Types: deb\nURIs: http://a.example/debian\nSuites: bookworm')).toMatchObject({ invalid: expect.stringMatching(/^Types: deb/) });
    expect(repoSource('deb [arch=amd64]')).toEqual({ invalid: 'deb [arch=amd64]' });
  });
});

describe('the file name a source gets (_suggest_filename, _expand_path)', () => {
  it.each([
    ['deb [arch=amd64 signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/debian bookworm stable', 'download_docker_com_linux_debian.list'],
    ['deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.asc] https://pkgs.k8s.io/core:/stable:/v1.28/deb/ /', 'pkgs_k8s_io_core_stable_v1_28_deb.list'],
    ['deb http://user:pw@nmdiff.invalid/debian bookworm main', 'nmdiff_invalid_debian.list'],
    ['deb-src file:/srv/nmdiff-h14a-repo ./', 'file_srv_nmdiff_h14a_repo.list'],
    ['deb [trusted=yes] file:///srv/x ./', 'srv_x.list'],
  ])('%s', (source, want) => {
    expect(suggestFilename(source, undefined)).toBe(want);
  });
  it('filename: is taken as given, ".list" always added; a bare name goes into sources.list.d', () => {
    expect(suggestFilename(A, 'docker')).toBe('docker.list');
    expect(suggestFilename(A, 'x.list')).toBe('x.list.list');
    expect(expandPath('docker.list', '/etc/apt/sources.list.d')).toBe('/etc/apt/sources.list.d/docker.list');
    expect(expandPath('/etc/apt/other.list', '/etc/apt/sources.list.d')).toBe('/etc/apt/other.list');
    expect(aptRepository.schema.safeParse({ repo: A, filename: '../x' }).success).toBe(false);
    expect(expandPath('y.list', '/etc/apt/./sources.list.d/')).toBe('/etc/apt/sources.list.d/y.list');
  });
});

describe('adding and removing (dump as the module writes it)', () => {
  it('a commented-out copy is enabled in place, everywhere, each line rewritten from its parts; empty files drop out', () => {
    const f = files({
      '/etc/apt/sources.list': `#${A}\n\n#  comment\n`,
      '/d/x.list': `# ${A} # old\n`,
      '/d/empty.list': '',
    });
    expect(addSource(f, A, '/d/new.list')).toBeUndefined();
    expect(dump(f)).toEqual({ '/etc/apt/sources.list': `${A}\n\n# comment\n`, '/d/x.list': `${A} # old\n` });
  });
  it('a new source is appended to its file (created if new); a last line without newline gets one', () => {
    const f = files({ '/d/new.list': `deb http://b.example/ x y` });
    expect(addSource(f, A, '/d/new.list')).toBe('/d/new.list');
    expect(addSource(f, 'deb http://c.example/ z', '/d/c.list')).toBe('/d/c.list');
    expect(dump(f)).toEqual({ '/d/new.list': `deb http://b.example/ x y\n${A}\n`, '/d/c.list': 'deb http://c.example/ z\n' });
  });
  it('removal pops each enabled copy at the index it was read at, as the list shifts (the module’s own loop)', () => {
    const run = (text: string): Record<string, string> => {
      const f = files({ '/f.list': text });
      removeSource(f, A);
      return dump(f);
    };
    expect(run(`${A}\n${A}\n`)).toEqual({ '/f.list': `${A}\n` });
    expect(run(`${A}\n# c\n${A}\nx\n`)).toEqual({ '/f.list': `# c\n${A}\n` });
    expect(run(`${A}\n#${A}\n`)).toEqual({ '/f.list': `# ${A}\n` });
    expect(run(`${A}\n`)).toEqual({});
    expect(() => run(`${A}\nb\n${A}\n`)).toThrow(SourceIndexError);
  });
});

describe('the module', () => {
  const parse = (args: Record<string, unknown>) => aptRepository.schema.safeParse(args);
  it('refuses a PPA (Launchpad) and a line that is not a one-line source, at load', () => {
    const ppa = parse({ repo: 'ppa:nginx/stable' });
    expect(ppa.success).toBe(false);
    expect(ppa.error?.issues[0].message).toBe(PPA_REFUSED);
    expect(PPA_REFUSED).toMatch(/Launchpad/);
    expect(parse({ repo: 'Types: deb' }).error?.issues[0].message).toMatch(/^Invalid repository string: Types: deb/);
    expect(parse({ repo: A, 'update-cache': 'no', mode: '0600', install_python_apt: false }).data).toMatchObject({
      update_cache: false,
      mode: '0600',
      state: 'present',
      update_cache_retries: 5,
      update_cache_retry_max_delay: 12,
    });
  });
  it('an index apt could not fetch is "unknown reason" (python-apt gives none); other errors are named', () => {
    const fetch = 'E: Failed to fetch http://127.0.0.1:9/x/dists/y/InRelease  Could not connect\nE: Some index files failed to download. They have been ignored, or old ones used instead.\n';
    expect(fetchError(fetch)).toBe('');
    expect(fetchError(`W: x\nE: Malformed entry 1 in list file /etc/apt/sources.list.d/a.list (Component)\nE: The list of sources could not be read.\n`)).toBe(
      'E:Malformed entry 1 in list file /etc/apt/sources.list.d/a.list (Component), E:The list of sources could not be read.',
    );
  });
  it('backs off as the module does: 2**retry + jitter, capped at max + jitter', () => {
    expect([0, 1, 2, 3, 4].map((r) => retryDelaySec(r, 12, 0.5))).toEqual([1.5, 2.5, 4.5, 8.5, 12.5]);
  });
});
