/**
 * run/privilege.ts: which of the become keywords and privilege variables decides, as Ansible 2.14
 * does (keywords first, then ansible_become* wherever set; sudo's variable aliases; rendering in the
 * task's scope), and what nodemend refuses instead of ignoring.
 */
import { describe, expect, it } from 'vitest';
import { becomeOf } from '../../../src/run/privilege.js';
import type { HostRun } from '../../../src/run/host-run.js';

const loc = { file: 'play.yaml', line: 3 };
const host = (connection: Record<string, unknown> = {}): HostRun => ({ inv: { connection } }) as unknown as HostRun;
const as = (spec: ReturnType<typeof becomeOf>): string | undefined => spec?.user;

describe('becomeOf', () => {
  it('keywords alone: become_user defaults to root; no become is the login user', () => {
    expect(as(becomeOf(true, undefined, loc, host(), {}))).toBe('root');
    expect(as(becomeOf(true, 'nobody', loc, host(), {}))).toBe('nobody');
    expect(becomeOf(false, 'nobody', loc, host(), {})).toBeUndefined();
    expect(becomeOf(undefined, undefined, loc, host(), {})).toBeUndefined();
  });

  it('ansible_become outranks the keyword either way; null is unset', () => {
    expect(as(becomeOf(false, undefined, loc, host(), { ansible_become: true }))).toBe('root');
    expect(becomeOf(true, undefined, loc, host(), { ansible_become: false })).toBeUndefined();
    expect(becomeOf(true, undefined, loc, host(), { ansible_become: 'no' })).toBeUndefined();
    expect(as(becomeOf(true, undefined, loc, host(), { ansible_become: null }))).toBe('root');
  });

  it('ansible_become_user (or ansible_sudo_user) outranks become_user, and alone switches nothing on', () => {
    expect(as(becomeOf(true, 'root', loc, host(), { ansible_become_user: 'nobody' }))).toBe('nobody');
    expect(as(becomeOf(true, 'root', loc, host(), { ansible_sudo_user: 'daemon' }))).toBe('daemon');
    expect(as(becomeOf(true, 'root', loc, host(), { ansible_become_user: 'nobody', ansible_sudo_user: 'daemon' }))).toBe('nobody');
    expect(becomeOf(undefined, undefined, loc, host(), { ansible_become_user: 'nobody' })).toBeUndefined();
  });

  it('templates render with the scope', () => {
    const scope = { ansible_become: '{{ on }}', on: 'yes', ansible_become_user: '{{ who }}', who: 'nobody' };
    expect(becomeOf(undefined, undefined, loc, host(), scope)).toEqual({ method: 'sudo', user: 'nobody', password: undefined });
    expect(() => becomeOf(undefined, undefined, loc, host(), { ansible_become: 'maybe' })).toThrow(/ansible_become.*not a boolean/);
  });

  it("password: the variables, else the inventory's (or -K)", () => {
    expect(becomeOf(true, undefined, loc, host({ become_password: 'inv' }), {})?.password).toBe('inv');
    expect(becomeOf(true, undefined, loc, host({ become_password: 'inv' }), { ansible_become_pass: 'p2', ansible_become_password: 'p1' })?.password).toBe('p1');
    expect(becomeOf(true, undefined, loc, host({ become_password: 'inv' }), { ansible_sudo_pass: 'p3' })?.password).toBe('p3');
  });

  it('refuses what its sudo cannot honour, only when become is on', () => {
    expect(() => becomeOf(true, undefined, loc, host(), { ansible_become_method: 'su' })).toThrow(/only through sudo, got "su"/);
    expect(becomeOf(false, undefined, loc, host(), { ansible_become_method: 'su' })).toBeUndefined();
    expect(as(becomeOf(true, undefined, loc, host(), { ansible_become_method: 'sudo' }))).toBe('root');
    expect(() => becomeOf(true, undefined, loc, host(), { ansible_become_exe: '/opt/sudo' })).toThrow(/ansible_become_exe/);
    expect(() => becomeOf(true, undefined, loc, host(), { ansible_become_flags: '-H -S -n -E' })).toThrow(/-H -S -n only/);
    expect(as(becomeOf(true, undefined, loc, host(), { ansible_sudo_flags: ' -n  -H -S ' }))).toBe('root');
  });
});
