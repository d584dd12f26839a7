/**
 * wait_for: wait ON THE HOST until a TCP port opens (or closes), or a file appears
 * (optionally containing `search_regex`) or disappears; without port or path, just
 * sleep `timeout` seconds (Ansible). The whole loop is one exec: connect with bash's
 * /dev/tcp, python3 or nc, whichever exists; regexes use python3's `re` (Ansible's
 * syntax) when present, else grep -E. Never changed; a timeout is a failure.
 * The loop stops at `timeout` (delay included, as Ansible); the task timeout still caps the exec.
 */
import { z } from 'zod';
import { defineModule, ModuleFailure } from './types.js';
import { raw, sh } from '../transport/quote.js';
import { PATH_INFO_STAT, pathInfoOf } from './lib/path-info.js';

const seconds = z.coerce.number().int().min(0); // type=int in 2.14: a float is refused (load/arg-types.ts)

export const schema = z
  .strictObject({
    host: z.string().default('127.0.0.1'),
    port: z.coerce.number().int().min(1).max(65535).optional(),
    path: z.string().optional(),
    state: z.enum(['started', 'stopped', 'present', 'absent']).default('started'),
    search_regex: z.string().optional(),
    timeout: seconds.default(300),
    delay: seconds.default(0),
    sleep: seconds.default(1),
    connect_timeout: seconds.default(5),
    msg: z.string().optional(),
  })
  .refine((a) => !(a.port !== undefined && a.path !== undefined), { message: 'port and path are mutually exclusive' })
  .refine((a) => !(a.search_regex && (a.state === 'stopped' || a.state === 'absent')), { message: 'search_regex only works with state started or present' });
export type WaitArgs = z.infer<typeof schema>;

// python3 helpers, run with their inputs as argv (never spliced into the program text).
const PY_FILE_RE = `import json,re,sys
try:
    data = open(sys.argv[1], 'rb').read().decode('utf-8', 'replace')
except OSError:
    sys.exit(1)
m = re.search(sys.argv[2], data, re.M)
if not m:
    sys.exit(1)
print('NMMATCH ' + json.dumps([m.groups(), m.groupdict()]))`;

const PY_PORT_RE = `import json,re,socket,sys,time
host, port, ct, rx, end = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4], float(sys.argv[5])
try:
    s = socket.create_connection((host, port), ct)
except OSError:
    sys.exit(1)
data = ''
while True:
    left = end - time.time()
    if left <= 0:
        sys.exit(1)
    s.settimeout(left)
    try:
        b = s.recv(4096)
    except OSError:
        sys.exit(1)
    if not b:
        sys.exit(1)
    data += b.decode('utf-8', 'replace')
    m = re.search(rx, data, re.M)
    if m:
        print('NMMATCH ' + json.dumps([m.groups(), m.groupdict()]))
        sys.exit(0)`;

const PY_CONNECT = `import socket,sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), float(sys.argv[3])).close()
except OSError:
    sys.exit(1)`;

// The loop: `check` returns 0 when the condition holds; the result line is parsed by plan().
// Times in nanoseconds, as wait_for.py's datetime: elapsed is the whole seconds that truly passed
// (timedelta.seconds), never a count of second boundaries crossed (a 10 ms wait read 1 at x.995).
const LOOP = `ns() { nst=$(date +%s%N); case $nst in *[!0-9]*) nst=$(($(date +%s) * 1000000000)) ;; esac; echo "$nst"; }
start=$(ns); end=$((start + limit * 1000000000))
have() { command -v "$1" >/dev/null 2>&1; }
connect() {
  if have bash; then timeout "$ct" bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$host" "$port" 2>/dev/null
  elif have python3; then python3 -c "$py_connect" "$host" "$port" "$ct"
  elif have nc; then nc -z -w "$ct" "$host" "$port" >/dev/null 2>&1
  else echo 'wait_for needs bash, python3 or nc on the host to test a port' >&2; exit 3
  fi
}
check() {
  case $kind in
    port-up) connect ;;
    port-down) ! connect ;;
    port-re) have python3 || { echo 'search_regex on a port needs python3 on the host' >&2; exit 3; }
             python3 -c "$py_port_re" "$host" "$port" "$ct" "$rx" "$((end / 1000000000))" ;;
    file-up) [ -e "$path" ] ;;
    file-down) [ ! -e "$path" ] ;;
    file-re) if have python3; then python3 -c "$py_file_re" "$path" "$rx"; else grep -Eq -- "$rx" "$path" 2>/dev/null; fi ;;
    sleep) sleep "$limit"; return 0 ;;
  esac
}
# What Ansible's exit_json/fail_json add to a result naming a path (basic.py add_path_info, lstat).
pinfo() { [ -n "$path" ] && [ -e "$path" ] && echo "NMSTAT $(stat -c "$statfmt" -- "$path")"; return 0; }
[ "$delay" != 0 ] && sleep "$delay"
while :; do
  if check; then pinfo; echo "NMDONE ok $(( ($(ns) - start) / 1000000000 ))"; exit 0; fi
  now=$(ns)
  if [ "$now" -ge "$end" ]; then pinfo; echo "NMDONE timeout $(( (now - start) / 1000000000 ))"; exit 0; fi
  sleep "$nap"
done`;

function kindOf(a: WaitArgs): string {
  const up = a.state === 'started' || a.state === 'present';
  if (a.port !== undefined) return a.search_regex ? 'port-re' : up ? 'port-up' : 'port-down';
  if (a.path !== undefined) return a.search_regex ? 'file-re' : up ? 'file-up' : 'file-down';
  return 'sleep';
}

function timeoutMessage(a: WaitArgs): string {
  const up = a.state === 'started' || a.state === 'present';
  if (a.port !== undefined) {
    if (a.search_regex) return `Timeout when waiting for search string ${a.search_regex} in ${a.host}:${a.port}`;
    return up ? `Timeout when waiting for ${a.host}:${a.port}` : `Timeout when waiting for ${a.host}:${a.port} to stop.`;
  }
  if (a.search_regex) return `Timeout when waiting for search string ${a.search_regex} in ${a.path}`;
  return up ? `Timeout when waiting for file ${a.path}` : `Timeout when waiting for ${a.path} to be absent.`;
}

export default defineModule({
  name: 'wait_for',
  pathArgs: ['path'],
  description: 'Wait on the host for a port to open/close or a file to appear (with a regex) / disappear',
  schema,
  async plan(args, ctx) {
    const script = sh`kind=${kindOf(args)}; host=${args.host}; port=${args.port ?? 0}; path=${args.path ?? ''}; rx=${args.search_regex ?? ''}
limit=${Math.ceil(args.timeout)}; delay=${args.delay}; nap=${args.sleep}; ct=${args.connect_timeout}; statfmt=${PATH_INFO_STAT}
py_connect=${PY_CONNECT}; py_port_re=${PY_PORT_RE}; py_file_re=${PY_FILE_RE}
${raw(LOOP)}`;
    const res = await ctx.conn.exec(script, { timeoutSec: ctx.timeoutSec });
    const done = /NMDONE (ok|timeout) (\d+)/.exec(res.stdout);
    const base: Record<string, unknown> = { state: args.state, elapsed: done ? Number(done[2]) : undefined };
    if (args.port !== undefined) Object.assign(base, { port: args.port });
    if (args.path !== undefined) Object.assign(base, { path: args.path });
    if (args.search_regex !== undefined) base.search_regex = args.search_regex;
    const stat = /^NMSTAT (.*)$/m.exec(res.stdout);
    if (stat && args.path !== undefined) Object.assign(base, pathInfoOf(args.path, stat[1]));
    if (!done) {
      const why = res.timedOut ? `the task timeout (${ctx.timeoutSec}s) killed the wait` : res.stderr.trim() || `rc ${res.rc}`;
      throw new ModuleFailure(args.msg ?? `${timeoutMessage(args)}: ${why}`, base);
    }
    if (done[1] === 'timeout') throw new ModuleFailure(args.msg ?? timeoutMessage(args), base);
    const match = /^NMMATCH (.*)$/m.exec(res.stdout);
    if (match) {
      const [groups, groupdict] = JSON.parse(match[1]) as [unknown[], Record<string, unknown>];
      Object.assign(base, { match_groups: groups, match_groupdict: groupdict });
    }
    return { changed: false, result: base };
  },
});
