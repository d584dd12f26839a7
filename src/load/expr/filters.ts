/** Every filter usable after `|`, by name. */
import { attrPath, DATA_FILTERS } from './filters-data.js';
import { FORMAT_FILTERS } from './filters-format.js';
import { JINJA_FILTERS } from './filters-jinja.js';
import { PRINTF_FILTERS } from './filters-printf.js';
import { RANDOM_FILTERS } from './filters-random.js';
import { SYSTEM_FILTERS } from './filters-system.js';
import { TEXT_FILTERS } from './filters-text.js';
import { EXTRA_FILTERS } from './filters-extra.js';
import { MATH_FILTERS } from './filters-math.js';
import { ExprValueError, UndefinedVariableError } from './errors.js';
import { bind, type FilterDef, type InputInfo } from './signature.js';
import { itemRead } from './str-class.js';
import { isUnsafe } from './unsafe.js';
import { iterate, UNDEFINED } from './values.js';
import { canonicalName } from './fqcn.js';

/**
 * map('upper'), map('replace', 'a', 'b'), map('combine', x, recursive=true), map(attribute='name'),
 * map(attribute='x', default=0). Jinja's prepare_map: with a filter name given, every keyword goes to that filter;
 * without one, only attribute= and default= (calls.ts checks both at load).
 */
const map: FilterDef = {
  keywords: ['attribute', 'default'],
  keywordsToFilter: true,
  rest: true,
  filterArg: 0,
  // type_debug on each item needs to know where the item came from, as on a value alone.
  describesInput: true,
  fn: (v, a, rest, input) => {
    const items = iterate(v, 'map');
    if (rest.length === 0) {
      if (!('attribute' in a)) throw new ExprValueError('map requires a filter argument');
      const attribute = a.attribute;
      return items.map((item) => {
        const x = attrPath(item, attribute);
        if (x !== UNDEFINED) return x;
        if ('default' in a) return a.default;
        throw new UndefinedVariableError(String(attribute), undefined, `'${String(attribute)}' is undefined in an item given to map`);
      });
    }
    const [name, ...args] = rest;
    const key = canonicalName('filter', String(name));
    const def = key !== undefined && Object.prototype.hasOwnProperty.call(FILTERS, key) ? FILTERS[key] : undefined;
    if (!def) throw new ExprValueError(`unknown filter '${String(name)}'`);
    const bound = bind(def, args, Object.entries(a));
    const itemInput = (item: unknown, i: number): InputInfo | undefined =>
      input && def.describesInput ? { ...input, unsafe: input.unsafe || isUnsafe(item), nativeText: false, fromVariable: itemRead(v, i) ?? input.fromVariable } : undefined;
    return items.map((item, i) => def.fn(item, bound.named, bound.rest, itemInput(item, i)));
  },
};

export const FILTERS: Record<string, FilterDef> = {
  ...TEXT_FILTERS,
  ...DATA_FILTERS,
  ...FORMAT_FILTERS,
  ...PRINTF_FILTERS,
  ...RANDOM_FILTERS,
  ...JINJA_FILTERS,
  ...SYSTEM_FILTERS,
  ...EXTRA_FILTERS,
  ...MATH_FILTERS,
  map,
};
