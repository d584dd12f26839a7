/**
 * sysctl (ansible.posix.sysctl): a kernel parameter in a sysctl file, then `sysctl -p FILE`
 * (reload) and/or `sysctl -w` (sysctl_set). A port of ansible.posix's sysctl.py decisions:
 * the file is rewritten only when the key's value differs (or it goes away), and then as
 * Ansible writes it (every line stripped, `key=value` without spaces, a key's later duplicates
 * dropped); with the file already right, `reload` still changes (and reloads) when the
 * running value differs. Values compare word by word; yes/no/true/false mean 1/0.
 * Plan = one exec (the file and the running value), apply = write, set, reload.
 */
import { z } from 'zod';
import { raw, sh } from '../transport/quote.js';
import { defineModule, ModuleFailure } from './types.js';
import { boolArg, pathArg, withAliases } from './lib/args.js';
import { planTextEdit } from './lib/edit-file.js';
import type { EditResult } from './lib/line-edit.js';
import { run } from './lib/remote.js';

const TRUE = ['y', 'yes', 'on', '1', 'true', 't', '1.0'];
const FALSE = ['n', 'no', 'off', '0', 'false', 'f', '0.0'];

/** Ansible's _parse_value: booleans (and their spellings) are 1/0, other values are stripped. */
export function sysctlValue(v: string | number | boolean | undefined): string {
  if (v === undefined) return '';
  if (typeof v === 'boolean') return v ? '1' : '0';
  const s = String(v);
  if (TRUE.includes(s.toLowerCase())) return '1';
  if (FALSE.includes(s.toLowerCase())) return '0';
  return s.trim();
}

const schema = withAliases(
  z
    .strictObject({
      name: z
        .string()
        .transform((s) => s.trim())
        .pipe(
          z
            .string()
            .min(1, 'name cannot be blank')
            .regex(/^[A-Za-z0-9_./*-]+$/, 'not a sysctl key'),
        ),
      value: z.union([z.string(), z.number(), z.boolean()]).optional(),
      state: z.enum(['present', 'absent']).default('present'),
      reload: boolArg.default(true),
      sysctl_set: boolArg.default(false),
      ignoreerrors: boolArg.default(false),
      sysctl_file: pathArg.default('/etc/sysctl.conf'),
    })
    .superRefine((a, ctx) => {
      if (a.state === 'present' && (a.value === undefined || sysctlValue(a.value) === ''))
        ctx.addIssue({ code: 'custom', message: 'value is required (and not blank) with state=present', path: ['value'] });
    }),
  { key: 'name', val: 'value' },
);
type Args = z.infer<typeof schema>;

const valuesEqual = (a: string | undefined, b: string): boolean => {
  if (a === undefined) return false;
  const x = a.split(/\s+/).filter(Boolean);
  const y = b.split(/\s+/).filter(Boolean);
  return x.length === y.length && x.every((w, i) => w === y[i]);
};

/** The file side: Ansible's read_sysctl_file + fix_lines, and whether it writes the file at all. */
export function sysctlEdit(text: string, name: string, value: string, state: 'present' | 'absent'): EditResult {
  const lines =
    text === ''
      ? []
      : text
          .replace(/\n$/, '')
          .split('\n')
          .map((l) => l.trim());
  const isSetting = (l: string) => l !== '' && !l.startsWith('#') && !l.startsWith(';') && l.includes('=');
  const split = (l: string): [string, string] => {
    const i = l.indexOf('=');
    return [l.slice(0, i).trim(), l.slice(i + 1).trim()];
  };
  // The last occurrence decides the file's value, as in Ansible's dict.
  let current: string | undefined;
  for (const l of lines) if (isSetting(l) && split(l)[0] === name) current = split(l)[1];
  const write = state === 'present' ? current !== value : current !== undefined && current !== '';
  if (!write) return { text, changed: false, msg: state === 'present' ? `${name}=${value} already in the file` : `${name} not in the file` };
  const seen = new Set<string>();
  const out: string[] = [];
  for (const l of lines) {
    if (!isSetting(l)) {
      out.push(l);
      continue;
    }
    const [k, v] = split(l);
    if (seen.has(k)) continue;
    seen.add(k);
    if (k !== name) out.push(`${k}=${v}`);
    else if (state === 'present') out.push(`${k}=${value}`);
  }
  if (!seen.has(name) && state === 'present') out.push(`${name}=${value}`);
  const after = out.map((l) => `${l}\n`).join('');
  return { text: after, changed: true, msg: state === 'present' ? (current === undefined ? `${name}=${value} added` : `${name} ${current} -> ${value}`) : `${name} removed` };
}

// The running value, after a marker line: "rc" then the value (sysctl -e: an unknown key prints nothing).
const NO_VALUE = '__NODEMEND_SYSCTL_RC__';
/** sysctl's complaints that mean failure even with exit code 0 (Ansible's _stderr_failed). */
const SET_FAILED = /^sysctl: setting key "[^"]+": (Invalid argument|Read-only file system)$/m;

export default defineModule<Args>({
  name: 'sysctl',
  // 2.14 registers no msg on success: the plan's words are the report line only.
  reportOnlyMsg: true,
  pathArgs: ['sysctl_file'],
  collection: 'ansible.posix',
  description: 'Set a kernel parameter in a sysctl file (sysctl.d) and reload it, or set it live (sysctl_set)',
  schema,
  async plan(a, ctx) {
    const value = sysctlValue(a.value);
    let running: string | undefined;
    const filePlan = await planTextEdit(
      ctx,
      {
        path: a.sysctl_file,
        create: true,
        backup: false,
        backupField: 'backup_file',
        absentOk: a.state === 'absent',
        extra: sh`v=$(LC_ALL=C sysctl -e -n ${a.name} 2>/dev/null); echo ${NO_VALUE}$?; printf '%s' "$v"`,
        onExtra: (out) => {
          const m = new RegExp(`^${NO_VALUE}(\\d+)\\n?([\\s\\S]*)$`).exec(out);
          running = m && m[1] === '0' ? m[2] : undefined;
        },
      },
      (text) => sysctlEdit(text, a.name, value, a.state),
    );
    const liveDiffers = !valuesEqual(running, value);
    let changed = filePlan.changed;
    // What the plan would do, and the same steps as a real run reports them once done.
    const notes: string[] = filePlan.changed && filePlan.msg ? [filePlan.msg] : [];
    const dones: string[] = filePlan.changed ? [filePlan.done ?? filePlan.msg ?? ''].filter(Boolean) : [];
    const step = (would: string, did: string): void => {
      notes.push(would);
      dones.push(did);
    };
    if (!changed && a.state === 'present' && a.reload && liveDiffers) {
      changed = true;
      const differs = `running value ${running ?? '(unreadable)'} differs from ${value}`;
      step(differs, differs);
    }
    const setLive = a.sysctl_set && a.state === 'present' && running !== undefined && liveDiffers;
    if (a.sysctl_set && a.state === 'present' && liveDiffers) changed = true;
    if (setLive) step(`would set ${a.name}=${value} live`, `set ${a.name}=${value} live`);
    const reload = changed && a.reload;
    if (reload) step(`would reload ${a.sysctl_file}`, `reloaded ${a.sysctl_file}`);
    // ansible.posix's sysctl registers no `diff` (exit_json(changed=...)): the plan's is for reports only.
    if (!changed) return { changed: false, msg: filePlan.msg, result: { diff: undefined } };
    const e = a.ignoreerrors ? raw('-e ') : raw('');
    return {
      changed: true,
      msg: notes.join('; '),
      done: dones.join('; '),
      diff: filePlan.diff,
      result: { diff: undefined },
      apply: async () => {
        if (filePlan.changed) await filePlan.apply!();
        if (setLive) {
          const r = await run(ctx.conn, sh`LC_ALL=C sysctl ${e}-w ${`${a.name}=${value}`}`, `setting ${a.name} failed`);
          if (SET_FAILED.test(r.stderr)) throw new ModuleFailure(`setting ${a.name} failed: ${r.stdout}${r.stderr}`);
        }
        if (reload) {
          const r = await ctx.conn.exec(sh`LC_ALL=C sysctl ${e}-p ${a.sysctl_file}`);
          if (r.rc !== 0 || SET_FAILED.test(r.stderr)) throw new ModuleFailure(`Failed to reload sysctl: ${r.stdout}${r.stderr}`, { rc: r.rc, stdout: r.stdout, stderr: r.stderr });
        }
        return {};
      },
    };
  },
});
