import { describe, expect, it } from 'vitest';
import { inventoryJsonSchema, playbookJsonSchema } from '../../../src/load/json-schema.js';
import { findModule, MODULES } from '../../../src/modules/registry.js';
import { taskKeywordShape } from '../../../src/load/schema.js';

type Json = Record<string, any>;

/** Every object schema in the document that has a property `key`. */
function objectsWith(schema: unknown, key: string, out: Json[] = []): Json[] {
  if (Array.isArray(schema)) schema.forEach((s) => objectsWith(s, key, out));
  else if (schema && typeof schema === 'object') {
    const s = schema as Json;
    if (s.properties && key in s.properties) out.push(s);
    Object.values(s).forEach((v) => objectsWith(v, key, out));
  }
  return out;
}

describe('JSON Schemas for editors', () => {
  it('describes a playbook: plays with strict keys, tasks with keywords and one key per module', () => {
    const schema = playbookJsonSchema();
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema); // plain JSON
    expect(schema.type).toBe('array');
    const [play] = objectsWith(schema, 'hosts');
    expect(play.required).toEqual(['hosts']);
    expect(play.additionalProperties).toBe(false);
    expect(Object.keys(play.properties)).toEqual(expect.arrayContaining(['tasks', 'handlers', 'serial', 'vars_files', 'pre_tasks']));
    const [task] = objectsWith(schema, 'loop_control');
    expect(task.additionalProperties).toBe(false);
    for (const name of MODULES.keys()) expect(task.properties).toHaveProperty(name);
    expect(task.properties).toHaveProperty('when');
    expect(objectsWith(schema, 'rescue').filter((s) => 'block' in s.properties)).toHaveLength(1);
    expect(objectsWith(schema, 'include_tasks')).toHaveLength(1);
    expect(objectsWith(schema, 'import_playbook')).toHaveLength(1);
  });

  it('lists exactly the module names the loader accepts', () => {
    const [task] = objectsWith(playbookJsonSchema(), 'loop_control');
    const listed = Object.keys(task.properties).filter((k) => !(k in taskKeywordShape));
    // Every spelling a task might use, right or wrong: the schema must list it iff findModule takes it.
    const shorts = [...MODULES.keys(), 'systemd_service', 'copyy'];
    const spaces = ['', 'ansible.builtin.', 'ansible.legacy.', 'ansible.posix.', 'community.general.', 'community.crypto.'];
    const probes = shorts.flatMap((s) => spaces.map((ns) => ns + s));
    for (const name of probes) expect(listed.includes(name), name).toBe(findModule(name) !== undefined);
    for (const name of listed) expect(findModule(name), name).toBeDefined();
    expect(listed).toEqual(
      expect.arrayContaining(['systemd_service', 'ansible.builtin.systemd_service', 'ansible.posix.sysctl', 'ansible.builtin.sysctl', 'ansible.legacy.copy', 'community.general.modprobe']),
    );
    expect(listed).not.toContain('community.general.sysctl');
  });

  it('describes an inventory: groups of hosts with connection settings', () => {
    const schema = inventoryJsonSchema();
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
    const [host] = objectsWith(schema, 'identity_file').filter((s) => 'vars' in s.properties);
    expect(host.additionalProperties).toBe(false);
    expect(host.properties.port).toMatchObject({ type: 'integer', minimum: 1, maximum: 65535 });
    expect(objectsWith(schema, 'children')).toHaveLength(1);
  });
});
