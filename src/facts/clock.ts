/**
 * Facts that move between two reads (the clock, uptime, load, free memory), as ansible-core 2.14.18
 * gathers them: module_utils/facts/system/date_time.py (`date_time`), hardware/linux.py
 * get_uptime_facts (`uptime_seconds`: int(float) of /proc/uptime's first field) and
 * system/loadavg.py (`loadavg`: os.getloadavg(), which glibc reads from /proc/loadavg).
 * `volatile`: a `setup` task reads them again, as Ansible's setup returns the values of its own run.
 */
import type { FactDef } from './types.js';

/** date_time.py's keys, in the order of the date(1) formats below (local time of one timestamp). */
const LOCAL_KEYS = [
  'year',
  'month',
  'weekday',
  'weekday_number',
  'weeknumber',
  'day',
  'hour',
  'minute',
  'second',
  'epoch',
  'date',
  'time',
  'iso8601_basic',
  'iso8601_basic_short',
  'tz',
  'tz_offset',
] as const;
const LOCAL_FORMAT = '+%Y|%m|%A|%w|%W|%d|%H|%M|%S|%s|%Y-%m-%d|%H:%M:%S|%Y%m%dT%H%M%S%6N|%Y%m%dT%H%M%S|%Z|%z';

/**
 * One timestamp (date_time.py takes time.time() once), then its local and UTC renderings, then the
 * zone at the two probes CPython's time module takes for `time.tzname` on glibc (timemodule.c
 * init_timezone: the start of the current "year" of 365.25 days, and half a year later).
 */
const DATE_TIME_COMMAND = `t=$(date +%s.%N) || exit 1; s=\${t%.*}; y=$(( s / 31557600 * 31557600 ))
LC_ALL=C date -d "@$t" '${LOCAL_FORMAT}'
LC_ALL=C date -u -d "@$t" '+%Y-%m-%dT%H:%M:%S.%6NZ|%Y-%m-%dT%H:%M:%SZ'
LC_ALL=C date -d "@$y" '+%z %Z'; LC_ALL=C date -d "@$(( y + 15778800 ))" '+%z %Z'`;

/** "+0130" → seconds east of UTC. */
const offsetSeconds = (z: string): number => {
  const m = /^([+-])(\d\d)(\d\d)$/.exec(z);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3]) * 60) : 0;
};

export function parseDateTime(out: string): Record<string, string> {
  const [local = '', utc = '', jan = '', jul = ''] = out.split('\n');
  const r: Record<string, string> = {};
  local.split('|').forEach((v, i) => {
    if (LOCAL_KEYS[i]) r[LOCAL_KEYS[i]] = v;
  });
  r.epoch_int = String(Number.parseInt(r.epoch ?? '', 10));
  [r.iso8601_micro, r.iso8601] = utc.split('|');
  // timemodule.c: tzname = (January's, July's) names, swapped where January has the larger UTC offset (south)
  const [janOff, janName] = jan.split(' ');
  const [julOff, julName] = jul.split(' ');
  r.tz_dst = offsetSeconds(janOff) > offsetSeconds(julOff) ? janName : julName;
  return Object.fromEntries(
    Object.keys(r)
      .sort()
      .map((k) => [k, r[k]]),
  );
}

export const dateTime: FactDef<Record<string, string>> = {
  name: 'date_time',
  description: "The host's clock as Ansible's date_time fact (local and UTC renderings of one timestamp)",
  command: DATE_TIME_COMMAND,
  parse: parseDateTime,
  volatile: true,
};

export const uptimeSeconds: FactDef<number | undefined> = {
  name: 'uptime_seconds',
  description: 'Seconds since boot (/proc/uptime, whole seconds)',
  command: 'cat /proc/uptime',
  parse: (out) => {
    const v = Number.parseFloat(out.split(' ')[0]);
    return Number.isFinite(v) ? Math.trunc(v) : undefined;
  },
  volatile: true,
};

export const loadavg: FactDef<{ '1m': number; '5m': number; '15m': number } | undefined> = {
  name: 'loadavg',
  description: 'The 1, 5 and 15 minute load averages (/proc/loadavg)',
  command: 'cat /proc/loadavg',
  parse: (out) => {
    const [a, b, c] = out.split(' ').map(Number);
    return [a, b, c].every(Number.isFinite) ? { '15m': c, '1m': a, '5m': b } : undefined;
  },
  volatile: true,
};

export default [dateTime, uptimeSeconds, loadavg];
