/**
 * Workload B1, described once and rendered for both tools, so nodemend and Ansible do
 * exactly the same work per host: 10 tasks — lineinfile on /etc/default/grub, 2
 * directories, 3 file copies (one templated), 3 commands (one with `creates`), 1 touch.
 * Each tool writes under its own root (/srv/bench-<tool>) so runs never interfere.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

export type Tool = 'nodemend' | 'ansible';

/** /etc/default/grub as setup leaves it on every host before a tool's first run. */
export const GRUB_BEFORE = 'GRUB_DEFAULT=0\nGRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"\nGRUB_CMDLINE_LINUX=""\n';
export const GRUB_LINE = 'GRUB_CMDLINE_LINUX="cgroup.memory=nokmem"';

export const targetRoot = (tool: Tool): string => `/srv/bench-${tool}`;

/** Plain `{{ var }}` substitutions only: the same text is valid Handlebars and Jinja, with the same output. */
const TEMPLATE_TEXT = '# rendered for {{ inventory_hostname }}\nnode_name={{ inventory_hostname }}\nrole={{ bench_role }}\n';
const COPIED_FILE = 'alpha=1\nbeta=2\n';
const INLINE_CONTENT = 'kernel.panic = 10\n';

type Args = Record<string, unknown>;
interface Step {
  name: string;
  module: string;
  args: (root: string, grub: string) => Args;
  /** Read-only probe: reports ok, never changed, in both tools. */
  readOnly?: boolean;
}

const STEPS: Step[] = [
  { name: 'grub cmdline', module: 'lineinfile', args: (_r, grub) => ({ path: grub, regexp: '^GRUB_CMDLINE_LINUX=', line: GRUB_LINE }) },
  { name: 'config dir', module: 'file', args: (r) => ({ path: `${r}/etc`, state: 'directory', mode: '0755' }) },
  { name: 'state dir', module: 'file', args: (r) => ({ path: `${r}/state`, state: 'directory', mode: '0750' }) },
  { name: 'inline copy', module: 'copy', args: (r) => ({ content: INLINE_CONTENT, dest: `${r}/etc/sysctl.conf`, mode: '0644' }) },
  { name: 'file copy', module: 'copy', args: (r) => ({ src: 'files/app.conf', dest: `${r}/etc/app.conf`, mode: '0640' }) },
  { name: 'template', module: 'template', args: (r) => ({ src: 'TEMPLATE', dest: `${r}/etc/node.conf`, mode: '0644' }) },
  { name: 'kernel release', module: 'command', args: () => ({ cmd: 'uname -r' }), readOnly: true },
  { name: 'hostname', module: 'command', args: () => ({ cmd: 'cat /etc/hostname' }), readOnly: true },
  { name: 'init stamp', module: 'command', args: (r) => ({ cmd: `touch ${r}/state/initialized`, creates: `${r}/state/initialized` }) },
  // Times preserved: Ansible then reports a touch of an existing file as unchanged, as nodemend does.
  { name: 'touch marker', module: 'file', args: (r) => ({ path: `${r}/state/marker`, state: 'touch', modification_time: 'preserve', access_time: 'preserve' }) },
];

export const TASKS_PER_HOST = STEPS.length;
/** What a first run on a reset host changes: every task but the read-only probes. */
export const CHANGING_TASKS = STEPS.filter((s) => !s.readOnly).length;

/** The files B1 leaves under a tool's root (relative path -> expected bytes, or null for "exists, empty"). */
export function expectedFiles(host: string): Record<string, string> {
  return {
    'etc/sysctl.conf': INLINE_CONTENT,
    'etc/app.conf': COPIED_FILE,
    'etc/node.conf': TEMPLATE_TEXT.replaceAll('{{ inventory_hostname }}', host).replaceAll('{{ bench_role }}', 'worker'),
    'state/initialized': '',
    'state/marker': '',
  };
}

/**
 * Write the playbook, its template and its files for `tool` into `dir`; returns the playbook path.
 * `at` moves the work elsewhere on the host (a test on a shared fleet host: same tasks, own paths).
 */
export function writeWorkload(tool: Tool, dir: string, at: { root?: string; grub?: string } = {}): string {
  mkdirSync(join(dir, 'files'), { recursive: true });
  mkdirSync(join(dir, 'templates'), { recursive: true });
  writeFileSync(join(dir, 'files', 'app.conf'), COPIED_FILE);
  const template = tool === 'nodemend' ? 'node.conf.hbs' : 'node.conf.j2';
  writeFileSync(join(dir, 'templates', template), TEMPLATE_TEXT);
  const root = at.root ?? targetRoot(tool);
  const tasks = STEPS.map((s) => {
    const args = s.args(root, at.grub ?? '/etc/default/grub');
    if (args.src === 'TEMPLATE') args.src = template;
    const task: Args = { name: s.name, [s.module]: args };
    if (s.readOnly) task.changed_when = false;
    return task;
  });
  const play = { name: 'B1', hosts: 'all', become: true, vars: { bench_role: 'worker' }, tasks };
  const file = join(dir, 'b1.yaml');
  writeFileSync(file, stringify([play]));
  return file;
}
