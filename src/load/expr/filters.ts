/** Every filter usable after `|`, by name. */
import { attrPath, DATA_FILTERS } from './filters-data.js';
import { FORMAT_FILTERS } from './filters-format.js';
import { PRINTF_FILTERS } from './filters-printf.js';
import { RANDOM_FILTERS } from './filters-random.js';
import { TEXT_FILTERS } from './filters-text.js';
import { ExprValueError, UndefinedVariableError } from './errors.js';
import { bind, type FilterDef } from './signature.js';
import { iterate, UNDEFINED } from './values.js';
import { canonicalName } from './fqcn.js';

/** map('upper'), map('replace', 'a', 'b'), map(attribute='name'), map(attribute='x', default=0). */
const map: FilterDef = {
  params: ['filter'],
  keywords: ['attribute', 'default'],
  rest: true,
  filterArg: 0,
  fn: (v, a, rest) => {
    const items = iterate(v, 'map');
    // map('attribute', 'name') reads as map(attribute='name').
    const attribute = a.filter === 'attribute' ? rest[0] : a.attribute;
    if (attribute !== undefined) {
      return items.map((item) => {
        const x = attrPath(item, attribute);
        if (x !== UNDEFINED) return x;
        if ('default' in a) return a.default;
        throw new UndefinedVariableError(String(attribute), undefined, `'${String(attribute)}' is undefined in an item given to map`);
      });
    }
    if (a.filter === undefined) throw new ExprValueError("map needs a filter name or attribute='...'");
    const key = canonicalName('filter', String(a.filter));
    const def = key !== undefined && Object.prototype.hasOwnProperty.call(FILTERS, key) ? FILTERS[key] : undefined;
    if (!def) throw new ExprValueError(`unknown filter '${String(a.filter)}'`);
    const bound = bind(def, rest, []);
    return items.map((item) => def.fn(item, bound.named, bound.rest));
  },
};

export const FILTERS: Record<string, FilterDef> = { ...TEXT_FILTERS, ...DATA_FILTERS, ...FORMAT_FILTERS, ...PRINTF_FILTERS, ...RANDOM_FILTERS, map };
