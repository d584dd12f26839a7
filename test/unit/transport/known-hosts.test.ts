import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendKnownHost, checkHostKey, fingerprint, keyTypeOf, knownHostsName, knownKeyTypes, parseKnownHosts, readKnownHosts } from '../../../src/transport/known-hosts.js';

// Real keys and real `ssh-keygen -H` output: the hashing scheme is OpenSSH's, not ours.
let dir: string;
const keys: Record<string, { line: string; blob: Buffer }> = {};

function makeKey(name: string, type: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', '', '-f', join(dir, name)]);
  const line = readFileSync(join(dir, `${name}.pub`), 'utf8')
    .trim()
    .split(/\s+/)
    .slice(0, 2)
    .join(' ');
  keys[name] = { line, blob: Buffer.from(line.split(' ')[1], 'base64') };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nodemend-kh-'));
  makeKey('a', 'ed25519');
  makeKey('b', 'ed25519');
  makeKey('r', 'rsa');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('knownHostsName', () => {
  it('is bare on port 22 and [host]:port otherwise, lower-cased', () => {
    expect(knownHostsName('Node1.Example', 22)).toBe('node1.example');
    expect(knownHostsName('127.0.0.1', 23001)).toBe('[127.0.0.1]:23001');
  });
});

describe('fingerprint and key type', () => {
  it('prints SHA256:<base64> exactly as ssh-keygen -l does', () => {
    const out = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, 'a.pub')], { encoding: 'utf8' });
    expect(out.split(' ')[1]).toBe(fingerprint(keys.a.blob));
    expect(fingerprint(keys.a.blob)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
  it('reads the type from the key blob', () => {
    expect(keyTypeOf(keys.a.blob)).toBe('ssh-ed25519');
    expect(keyTypeOf(keys.r.blob)).toBe('ssh-rsa');
    expect(keyTypeOf(Buffer.from([0, 0]))).toBe('unknown');
  });
});

describe('parseKnownHosts', () => {
  it('keeps 1-based line numbers and skips comments, blanks and malformed lines', () => {
    const text = ['# comment', '', `host1 ${keys.a.line}`, 'garbage-without-key', `@bogus-marker host2 ${keys.a.line}`, `host3 ${keys.b.line} a comment`].join('\n');
    const entries = parseKnownHosts(text);
    expect(entries.map((e) => e.line)).toEqual([3, 6]);
    expect(entries[1].keyType).toBe('ssh-ed25519');
  });
  it('reads @revoked and @cert-authority markers', () => {
    const entries = parseKnownHosts(`@revoked * ${keys.a.line}\n@cert-authority *.example ${keys.b.line}\n`);
    expect(entries.map((e) => e.marker)).toEqual(['revoked', 'cert-authority']);
  });
});

describe('checkHostKey', () => {
  it('accepts a plain entry in a comma-separated host list, and [host]:port for other ports', () => {
    const entries = parseKnownHosts(`alpha,[10.0.0.5]:2222,beta ${keys.a.line}\n`);
    expect(checkHostKey(entries, knownHostsName('10.0.0.5', 2222), keys.a.blob).kind).toBe('known');
    expect(checkHostKey(entries, 'beta', keys.a.blob).kind).toBe('known');
    // the same address on port 22 is a different known_hosts name
    expect(checkHostKey(entries, knownHostsName('10.0.0.5', 22), keys.a.blob).kind).toBe('unknown');
  });

  it('accepts hashed entries written by ssh-keygen -H (HMAC-SHA1 keyed by the salt)', () => {
    const file = join(dir, 'hashed');
    writeFileSync(file, `[10.0.0.5]:2222,foo.example ${keys.a.line}\n`);
    execFileSync('ssh-keygen', ['-q', '-H', '-f', file], { stdio: 'ignore' });
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('foo.example'); // really hashed
    const entries = parseKnownHosts(text);
    expect(entries.every((e) => e.hosts.kind === 'hashed')).toBe(true);
    expect(checkHostKey(entries, '[10.0.0.5]:2222', keys.a.blob).kind).toBe('known');
    expect(checkHostKey(entries, 'foo.example', keys.a.blob).kind).toBe('known');
    expect(checkHostKey(entries, 'bar.example', keys.a.blob).kind).toBe('unknown');
    // a hashed entry for the host with another key is a mismatch, like a plain one
    expect(checkHostKey(entries, 'foo.example', keys.b.blob)).toMatchObject({ kind: 'mismatch', expected: [{ line: 2 }] });
  });

  it('reports a different key of the same type as a mismatch, with the offending line', () => {
    const entries = parseKnownHosts(`other ${keys.b.line}\nnode9 ${keys.a.line}\n`);
    const v = checkHostKey(entries, 'node9', keys.b.blob);
    expect(v.kind).toBe('mismatch');
    if (v.kind === 'mismatch') expect(v.expected.map((e) => e.line)).toEqual([2]);
  });

  it('accepts when any of several keys for the host matches', () => {
    const entries = parseKnownHosts(`node9 ${keys.a.line}\nnode9 ${keys.b.line}\n`);
    expect(checkHostKey(entries, 'node9', keys.b.blob)).toMatchObject({ kind: 'known', entry: { line: 2 } });
  });

  it('refuses a key recorded only under another type', () => {
    const entries = parseKnownHosts(`node9 ${keys.r.line}\n`);
    expect(checkHostKey(entries, 'node9', keys.a.blob).kind).toBe('other-type');
    expect(knownKeyTypes(entries, 'node9')).toEqual(['ssh-rsa']);
  });

  it('refuses a @revoked key even when a plain line also lists it', () => {
    const entries = parseKnownHosts(`node9 ${keys.a.line}\n@revoked * ${keys.a.line}\n`);
    expect(checkHostKey(entries, 'node9', keys.a.blob)).toMatchObject({ kind: 'revoked', entry: { line: 2 } });
  });

  it('ignores @cert-authority lines for plain key checks', () => {
    const entries = parseKnownHosts(`@cert-authority node9 ${keys.a.line}\n`);
    expect(checkHostKey(entries, 'node9', keys.a.blob).kind).toBe('unknown');
    expect(checkHostKey(entries, 'node9', keys.b.blob).kind).toBe('unknown');
  });

  it('honours wildcards and negated patterns', () => {
    const entries = parseKnownHosts(`*.prod.example,!db.prod.example ${keys.a.line}\n`);
    expect(checkHostKey(entries, 'web1.prod.example', keys.a.blob).kind).toBe('known');
    expect(checkHostKey(entries, 'db.prod.example', keys.a.blob).kind).toBe('unknown');
  });

  it('agrees with ssh-keygen -F on which line matches', () => {
    const file = join(dir, 'agree');
    writeFileSync(file, `x ${keys.b.line}\n[127.0.0.1]:23009 ${keys.a.line}\n`);
    const out = execFileSync('ssh-keygen', ['-F', '[127.0.0.1]:23009', '-f', file], { encoding: 'utf8' });
    expect(out).toContain('found: line 2');
    expect(checkHostKey(parseKnownHosts(readFileSync(file, 'utf8')), '[127.0.0.1]:23009', keys.a.blob)).toMatchObject({ entry: { line: 2 } });
  });
});

describe('appendKnownHost', () => {
  it('creates the file and appends lines that ssh-keygen and we can read back', async () => {
    const file = join(dir, 'sub', 'known_hosts');
    await appendKnownHost(file, '[127.0.0.1]:23003', keys.a.blob);
    await appendKnownHost(file, 'node2', keys.b.blob);
    expect(readFileSync(file, 'utf8')).toBe(`[127.0.0.1]:23003 ${keys.a.line}\nnode2 ${keys.b.line}\n`);
    const out = execFileSync('ssh-keygen', ['-F', 'node2', '-f', file], { encoding: 'utf8' });
    expect(out).toContain('found: line 2');
  });

  it('never glues a line onto a last line without newline, and keeps existing content', async () => {
    const file = join(dir, 'nonl');
    writeFileSync(file, `# keep me\nold ${keys.b.line}`);
    await appendKnownHost(file, 'new', keys.a.blob);
    expect(readFileSync(file, 'utf8')).toBe(`# keep me\nold ${keys.b.line}\nnew ${keys.a.line}\n`);
  });

  it('keeps every line intact under concurrent appends', async () => {
    const file = join(dir, 'concurrent');
    appendFileSync(file, '');
    await Promise.all(Array.from({ length: 40 }, (_, i) => appendKnownHost(file, `h${i}`, i % 2 ? keys.a.blob : keys.b.blob)));
    const entries = await readKnownHosts(file);
    expect(entries).toHaveLength(40);
    for (let i = 0; i < 40; i++) expect(checkHostKey(entries, `h${i}`, i % 2 ? keys.a.blob : keys.b.blob).kind).toBe('known');
  });

  it('reads a missing file as empty', async () => {
    expect(await readKnownHosts(join(dir, 'does-not-exist'))).toEqual([]);
  });
});
