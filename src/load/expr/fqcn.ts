/**
 * Filter and test names as ansible-core 2.14.18 resolves them (ansible/template/__init__.py
 * JinjaPluginIntercept.__getitem__): a name goes through the plugin loader first, so Ansible's own
 * plugins answer to `to_json` and `ansible.builtin.to_json` alike; Jinja2's builtins (`upper`,
 * `default`, `map`, `defined`...) are only in Jinja's environment, under their short name, and
 * `ansible.builtin.upper` fails there ("Could not load"). A collection's plugin answers to its own
 * collection name only (`community.general.path_join` is a redirect to ansible.builtin's).
 */

/**
 * Every filter plugin of ansible-core 2.14.18 (plugins/filter/core.py, mathstuff.py, urlsplit.py,
 * urls.py, encryption.py), whether nodemend has it or not: `ansible.builtin.NAME` of one nodemend lacks
 * is then refused as unknown under its short name, not as a name 2.14 cannot load.
 */
const ANSIBLE_FILTERS = new Set([
  'b64decode',
  'b64encode',
  'basename',
  'bool',
  'checksum',
  'combinations',
  'combine',
  'comment',
  'dict2items',
  'difference',
  'dirname',
  'expanduser',
  'expandvars',
  'extract',
  'fileglob',
  'flatten',
  'from_json',
  'from_yaml',
  'from_yaml_all',
  'hash',
  'human_readable',
  'human_to_bytes',
  'intersect',
  'items2dict',
  'log',
  'mandatory',
  'md5',
  'password_hash',
  'path_join',
  'permutations',
  'pow',
  'product',
  'quote',
  'random',
  'realpath',
  'regex_escape',
  'regex_findall',
  'regex_replace',
  'regex_search',
  'rekey_on_member',
  'relpath',
  'root',
  'sha1',
  'shuffle',
  'split',
  'splitext',
  'strftime',
  'subelements',
  'symmetric_difference',
  'ternary',
  'to_datetime',
  'to_json',
  'to_nice_json',
  'to_nice_yaml',
  'to_uuid',
  'to_yaml',
  'type_debug',
  'union',
  'unique',
  'unvault',
  'urldecode',
  'urlsplit',
  'vault',
  'win_basename',
  'win_dirname',
  'win_splitdrive',
  'zip',
  'zip_longest',
]);

/** Every test plugin of ansible-core 2.14.18 (plugins/test/core.py, files.py, mathstuff.py). */
const ANSIBLE_TESTS = new Set([
  'abs',
  'all',
  'any',
  'change',
  'changed',
  'contains',
  'directory',
  'exists',
  'failed',
  'failure',
  'falsy',
  'file',
  'finished',
  'is_abs',
  'is_dir',
  'is_file',
  'is_link',
  'is_mount',
  'is_same_file',
  'isnan',
  'issubset',
  'issuperset',
  'link',
  'link_exists',
  'match',
  'mount',
  'nan',
  'reachable',
  'regex',
  'same_file',
  'search',
  'skip',
  'skipped',
  'started',
  'subset',
  'succeeded',
  'success',
  'successful',
  'superset',
  'truthy',
  'unreachable',
  'vault_encrypted',
  'version',
  'version_compare',
]);

/** Other collections' names for filters nodemend has (community.general 6.6.2 meta/runtime.yml redirects). */
const COLLECTION_FILTERS: Record<string, string> = { 'community.general.path_join': 'path_join' };

const BUILTIN = 'ansible.builtin.';

/**
 * config/base.yml STRING_TYPE_FILTERS (2.14's default): JinjaPluginIntercept wraps these filters'
 * output as NativeJinjaText, never turned back into a value. It compares the name as written, so
 * `ansible.builtin.to_json` is not one of them: its JSON text becomes a dict again.
 */
const STRING_TYPE_FILTERS = new Set(['string', 'to_json', 'to_nice_json', 'to_yaml', 'to_nice_yaml', 'ppretty', 'json']);

/** Whether a filter called by this name (as written) gives NativeJinjaText. */
export const givesNativeText = (written: string): boolean => STRING_TYPE_FILTERS.has(written);

export type NameKind = 'filter' | 'test';

/**
 * The short name nodemend keeps a filter or test under, for a name as a playbook writes it; a
 * dotted name 2.14 would not load gives undefined. A short name is returned as is.
 */
export function canonicalName(kind: NameKind, name: string): string | undefined {
  if (!name.includes('.')) return name;
  if (name.startsWith(BUILTIN)) {
    const short = name.slice(BUILTIN.length);
    return (kind === 'filter' ? ANSIBLE_FILTERS : ANSIBLE_TESTS).has(short) ? short : undefined;
  }
  return kind === 'filter' && Object.hasOwn(COLLECTION_FILTERS, name) ? COLLECTION_FILTERS[name] : undefined;
}

/** Why a dotted name does not resolve, for the load-time error. */
export function unresolvedReason(kind: NameKind, name: string, known: (short: string) => boolean): string {
  if (name.startsWith(BUILTIN)) {
    const short = name.slice(BUILTIN.length);
    if (known(short)) return `: '${short}' is Jinja2's own ${kind}, which ansible-core 2.14 loads under its short name only (write '${short}')`;
    return '';
  }
  const collection = name.split('.').slice(0, 2).join('.');
  return ` (nodemend has no ${kind}s of ${collection} but ${kind === 'filter' ? Object.keys(COLLECTION_FILTERS).join(', ') : 'none'}; ansible.builtin.NAME for Ansible's own)`;
}

/** Every name nodemend answers to besides the short ones, given which short names it has (for the unit test and `nodemend` listings). */
export function qualifiedNames(kind: NameKind, has: (short: string) => boolean): string[] {
  const own = [...(kind === 'filter' ? ANSIBLE_FILTERS : ANSIBLE_TESTS)].filter(has).map((n) => BUILTIN + n);
  return kind === 'filter' ? [...own, ...Object.keys(COLLECTION_FILTERS)] : own;
}
