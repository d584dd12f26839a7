/**
 * 2.14's get_bin_path (module_utils/common/process.py), which a module calls before anything else when it needs a
 * tool (`get_bin_path('systemctl', True)`): PATH's directories, then /sbin, /usr/sbin and /usr/local/sbin where
 * they exist and PATH lacks them; a miss fails the task naming every directory it looked in.
 */
import { sh, type Raw } from '../../transport/quote.js';

const MISSING = '__NODEMEND_NO_BIN__';

/** Prints one line `MARK <dirs>` when `name` is not found; nothing when it is. */
export function binPathProbe(name: string): Raw {
  return sh`n=${name}; ps=$PATH; for d in /sbin /usr/sbin /usr/local/sbin; do case ":$ps:" in *":$d:"*) ;; *) [ -e "$d" ] && ps="$ps:$d" ;; esac; done
f=; o=$IFS; IFS=:; set -f; for d in $ps; do [ -n "$d" ] && [ -f "$d/$n" ] && [ -x "$d/$n" ] && { f=1; break; }; done; IFS=$o; set +f
[ -n "$f" ] || printf '%s %s\\n' ${MISSING} "$ps"`;
}

/** 2.14's failure message when the probe's output says `name` is missing, else undefined. */
export function missingBinMessage(stdout: string, name: string): string | undefined {
  const line = stdout.split('\n').find((l) => l.startsWith(`${MISSING} `));
  return line === undefined ? undefined : `Failed to find required executable "${name}" in paths: ${line.slice(MISSING.length + 1)}`;
}
