/**
 * rpm_key (ansible-core 2.14.18, modules/rpm_key.py): a GPG key in the rpm database, present
 * (`rpm --import`) or absent (`rpm --erase --allmatches gpg-pubkey-<last 8 hex of the id>`).
 * A port of that release's decisions: `key` is a URL (`://`; fetched on the host, refused unless
 * it holds an armored public key block), a key id (anything starting with 8 hex digits, `0x`
 * allowed), or a file on the host; the id of a file comes from the first `pub:` line of `gpg
 * --with-colons --fixed-list-mode FILE`; the key counts as imported when an installed
 * gpg-pubkey's description (`rpm -q gpg-pubkey --qf %{description}` through gpg) has a line whose
 * fifth field contains that id; `fingerprint` is checked only before an import (first `fpr:`).
 * Plan = one exec (fetch, gpg, rpm -q): check mode fetches and reads as Ansible's does;
 * apply = one exec. Registers `changed` only, as the module does (RETURN is empty).
 */
import { z } from 'zod';
import { raw, sh } from '../transport/quote.js';
import { boolArg } from './lib/args.js';
import { FETCH, PY_FETCH } from './get_url.js';
import { defineModule, ModuleFailure } from './types.js';

const schema = z.strictObject({
  key: z.string().min(1),
  state: z.enum(['present', 'absent']).default('present'),
  validate_certs: boolArg.default(true),
  fingerprint: z.string().optional(),
});
type Args = z.infer<typeof schema>;

/** is_keyid: re.match, so only the start must look like an id. */
export const isKeyId = (key: string): boolean => /^(0x)?[0-9a-f]{8}/i.test(key);

/** normalize_keyid: stripped, upper-cased, a leading 0X dropped. */
export function normalizeKeyId(keyid: string): string {
  const k = keyid.trim().toUpperCase();
  return k.startsWith('0X') ? k.slice(2) : k;
}

/** is_pubkey: an armored public key block anywhere in the text. */
export const isPubkey = (text: string): boolean => /-----BEGIN PGP PUBLIC KEY BLOCK-----[\s\S]*?-----END PGP PUBLIC KEY BLOCK-----/.test(text);

/** Field `n` (0-based) of the first gpg colon line of `type`, as getkeyid / getfingerprint read it. */
export function colonField(gpgOut: string, type: 'pub' | 'fpr', n: number): string | undefined {
  for (const line of gpgOut.split('\n')) {
    const l = line.trim();
    if (l.startsWith(`${type}:`)) return l.split(':')[n];
  }
  return undefined;
}

/** is_key_imported's match over the listing of every installed gpg-pubkey. */
export const keyImported = (listing: string, keyid: string): boolean => listing.split('\n').some((l) => l.trim() && (l.split(':')[4] ?? '').includes(keyid));

const M = '__NODEMEND_RPMKEY__';
// What the plan runs: find rpm and gpg (get_bin_path), fetch a URL key, list the key file, list the imported keys.
const PLAN_BODY = `command -v rpm >/dev/null 2>&1 || { echo 'Failed to find required executable "rpm"' >&2; exit 20; }
gpg=$(command -v gpg || command -v gpg2) || { echo 'Failed to find required executable "gpg2"' >&2; exit 20; }
f=$key
if [ "$kind" = url ]; then
  f=$(mktemp) || exit 5; trap 'rm -f -- "$f"' EXIT
  fetch "$f" || exit 4
  printf '%s KEY\\n' ${M}; base64 -w 0 < "$f"; printf '\\n'
  grep -q -- '-----BEGIN PGP PUBLIC KEY BLOCK-----' "$f" || exit 0
fi
if [ "$kind" != keyid ]; then
  printf '%s GPG\\n' ${M}
  "$gpg" --no-tty --batch --with-colons --fixed-list-mode --with-fingerprint "$f" || exit 6
fi
printf '%s RPM\\n' ${M}
if rpm -q gpg-pubkey >/dev/null 2>&1; then
  rpm -q gpg-pubkey --qf '%{description}' | "$gpg" --no-tty --batch --with-colons --fixed-list-mode - || exit 7
fi
`;

function sections(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of stdout.split(`${M} `).slice(1)) {
    const nl = part.indexOf('\n');
    out[part.slice(0, nl)] = part.slice(nl + 1);
  }
  return out;
}

export default defineModule<Args>({
  name: 'rpm_key',
  description: 'Import or remove a GPG key in the rpm database, as ansible.builtin.rpm_key does',
  schema,
  async plan(a, ctx) {
    const kind = a.key.includes('://') ? 'url' : isKeyId(a.key) ? 'keyid' : 'file';
    const vars = sh`key=${a.key}; kind=${kind}; url=${a.key}; to=10; vc=${a.validate_certs ? 1 : 0}
py_fetch=${PY_FETCH}
${raw(FETCH)}`;
    const script = kind === 'file' ? sh`${vars}[ -f "$key" ] || { echo NOFILE; exit 0; }\n${raw(PLAN_BODY)}` : sh`${vars}${raw(PLAN_BODY)}`;
    const res = await ctx.conn.exec(script, { timeoutSec: ctx.timeoutSec });
    if (res.stdout.startsWith('NOFILE')) throw new ModuleFailure(`Not a valid key ${a.key}`);
    const fail = (msg: string) => new ModuleFailure(msg, { rc: res.rc, stdout: res.stdout, stderr: res.stderr });
    if (res.rc === 4) throw fail(`failed to fetch key at ${a.key} , error was: ${res.stderr.trim()}`);
    // execute_command fails with gpg's stderr as the message.
    if (res.rc === 6 || res.rc === 7 || res.rc === 20) throw fail(res.stderr.trim());
    if (res.rc !== 0) throw fail(`rpm_key could not read the key state: ${res.stderr.trim() || `rc ${res.rc}`}`);
    const s = sections(res.stdout);
    const keyBytes = s.KEY !== undefined ? Buffer.from(s.KEY.trim(), 'base64') : undefined;
    if (keyBytes && !isPubkey(keyBytes.toString('latin1'))) throw new ModuleFailure(`Not a public key: ${a.key}`);
    let keyid = a.key;
    if (kind !== 'keyid') {
      const id = colonField(s.GPG ?? '', 'pub', 4);
      if (id === undefined) throw new ModuleFailure('Unexpected gpg output');
      keyid = id;
    }
    keyid = normalizeKeyId(keyid);
    const imported = keyImported(s.RPM ?? '', keyid);
    const result = {};
    if (a.state === 'absent') {
      if (!imported) return { changed: false, msg: `key ${keyid} is not in the rpm database`, result };
      const pkg = `gpg-pubkey-${keyid.slice(-8).toLowerCase()}`;
      return {
        changed: true,
        msg: `would remove key ${keyid} (rpm --erase --allmatches ${pkg})`,
        done: `removed key ${keyid}`,
        result,
        apply: async () => {
          const r = await ctx.conn.exec(sh`rpm --erase --allmatches ${pkg}`, { timeoutSec: ctx.timeoutSec });
          if (r.rc !== 0) throw new ModuleFailure(r.stderr, { rc: r.rc, stdout: r.stdout, stderr: r.stderr });
        },
      };
    }
    if (imported) return { changed: false, msg: `key ${keyid} is already in the rpm database`, result };
    if (kind === 'keyid') throw new ModuleFailure('When importing a key, a valid file must be given');
    if (a.fingerprint !== undefined && a.fingerprint !== '') {
      const want = a.fingerprint.replace(/ /g, '').toUpperCase();
      const have = colonField(s.GPG ?? '', 'fpr', 9);
      if (have === undefined) throw new ModuleFailure('Unexpected gpg output');
      if (want !== have) throw new ModuleFailure(`The specified fingerprint, '${want}', does not match the key fingerprint '${have}'`);
    }
    return {
      changed: true,
      msg: `would import key ${keyid} from ${a.key}`,
      done: `imported key ${keyid} from ${a.key}`,
      result,
      apply: async () => {
        // A fetched key goes in as the bytes the plan read (never a second download).
        const cmd = keyBytes ? sh`t=$(mktemp) || exit 5; trap 'rm -f -- "$t"' EXIT; cat > "$t" && rpm --import "$t"` : sh`rpm --import ${a.key}`;
        const r = await ctx.conn.exec(cmd, { timeoutSec: ctx.timeoutSec, ...(keyBytes ? { stdin: keyBytes } : {}) });
        if (r.rc !== 0) throw new ModuleFailure(r.stderr, { rc: r.rc, stdout: r.stdout, stderr: r.stderr });
      },
    };
  },
});
