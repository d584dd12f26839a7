/** user/group arguments as Ansible 2.14's argument specs take them, and the password kept out of titles. */
import { describe, expect, it } from 'vitest';
import user from '../../../src/modules/user.js';
import group from '../../../src/modules/group.js';
import { findGroup, parseGroup, parsePasswd } from '../../../src/modules/lib/accounts.js';
import { taskDisplayName } from '../../../src/run/task-title.js';
import type { Task } from '../../../src/load/model.js';

describe('user and group arguments', () => {
  it('take Ansible aliases, a comma-separated groups string and numeric strings', () => {
    const r = user.schema.parse({ user: 'ops', groups: 'adm, sudo', uid: '1005', createhome: 'no' });
    expect(r).toMatchObject({ name: 'ops', groups: ['adm', ' sudo'], uid: 1005, create_home: false, update_password: 'always' });
    expect(user.schema.safeParse({ name: 'ops', expires: 1 }).success).toBe(false);
    expect(group.schema.safeParse({ name: 'g', non_unique: true }).success).toBe(false);
    expect(group.schema.parse({ name: 'g', gid: '42' })).toMatchObject({ gid: 42, system: false, state: 'present' });
  });
  it('never title a task with the password hash', () => {
    const task = { module: 'user', args: { password: '$6$salt$hash', name: 'ops' } } as unknown as Task;
    expect(taskDisplayName(task, false)).toBe('user');
    expect(taskDisplayName({ ...task, args: { name: 'ops', password: 'x' } } as Task, false)).toBe('user ops');
  });
  it('find a group by gid first, then by name, as the module does', () => {
    const groups = ['adm:x:4:syslog,ops', '4:x:1004:'].map((l) => parseGroup(l)!);
    expect(findGroup(groups, '4')?.name).toBe('adm');
    expect(findGroup(groups, 'adm')?.members).toEqual(['syslog', 'ops']);
    expect(parsePasswd('ops:x:1000:1000:Ops,,,:/home/ops:/bin/bash')).toMatchObject({ uid: 1000, gecos: 'Ops,,,', shell: '/bin/bash' });
  });
});

describe('untemplated task titles', () => {
  it('show the first line of a block argument, without its newline', () => {
    const task = { module: 'copy', args: { content: 'x\ny\n', dest: '/f' } } as unknown as Task;
    expect(taskDisplayName(task, false)).toBe('copy x');
    expect(taskDisplayName(task, true)).toBe('copy');
  });
});
