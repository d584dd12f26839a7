/**
 * Digests that may stand in a plan file for things that must not: -e values, input
 * files (an inventory may hold a become_password), what a no_log task read. A plain
 * sha256 of a short secret can be guessed back, so these are HMAC-SHA256 under the
 * controller's plan key: `$NODEMEND_PLAN_KEY_FILE`, else ~/.config/nodemend/plan.key
 * (32 random bytes, created 0600 on first use). A plan applies only where that key is.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export interface PlanKey {
  id: string;
  digest(data: string | Buffer): string;
}

export function planKeyFile(): string {
  return process.env.NODEMEND_PLAN_KEY_FILE || join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'nodemend', 'plan.key');
}

export function loadPlanKey(file = planKeyFile()): PlanKey {
  let key: Buffer;
  try {
    key = readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    key = randomBytes(32);
    // 'wx': two runs creating the key at once must not end up with different keys.
    try {
      writeFileSync(file, key, { mode: 0o600, flag: 'wx' });
    } catch (w) {
      if ((w as NodeJS.ErrnoException).code !== 'EEXIST') throw w;
      key = readFileSync(file);
    }
  }
  if (key.length < 16) throw new Error(`plan key ${file} is shorter than 16 bytes`);
  return {
    id: createHash('sha256').update('nodemend-plan-key').update(key).digest('hex').slice(0, 16),
    digest: (data) => `hmac-sha256:${createHmac('sha256', key).update(data).digest('hex')}`,
  };
}
