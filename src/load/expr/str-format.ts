/**
 * Python's str.format ('{} {name} {0[key]:>8}'.format(...)): positional and keyword fields,
 * `[key]` / `.attr` lookups, `!s` / `!r` conversions and the format-spec mini-language
 * ([[fill]align][sign][#][0][width][,|_][.precision][type]). Nested `{}` inside a spec is
 * not supported (an error says so).
 */
import { ExprValueError } from './errors.js';
import type { Args } from './signature.js';
import { getMember, pyRepr, pyStr, typeName, UNDEFINED } from './values.js';

const SPEC = /^(?:([\s\S])?([<>=^]))?([+\- ])?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/;

function group(intPart: string, sep: string | undefined): string {
  return sep ? intPart.replace(/\B(?=(\d{3})+(?!\d))/g, sep) : intPart;
}

/** Python's exponent notation: at least two exponent digits (1.5e+05). */
const pyExp = (n: number, p: number): string => n.toExponential(p).replace(/e([+-])(\d)$/, 'e$10$2');

function formatNumber(n: number, type: string | undefined, precision: number | undefined, alt: boolean, sep: string | undefined): string {
  const abs = Math.abs(n);
  const integer = (): number => {
    if (!Number.isInteger(n)) throw new ExprValueError(`format: unknown format code '${type}' for object of type 'float'`);
    return abs;
  };
  switch (type) {
    case 'd':
    case 'n':
      return group(String(integer()), sep);
    case 'x':
    case 'X': {
      const s = (alt ? '0x' : '') + integer().toString(16);
      return type === 'X' ? s.toUpperCase() : s;
    }
    case 'o':
      return (alt ? '0o' : '') + integer().toString(8);
    case 'b':
      return (alt ? '0b' : '') + integer().toString(2);
    case 'c':
      return String.fromCodePoint(integer());
    case 'e':
    case 'E': {
      const s = pyExp(abs, precision ?? 6);
      return type === 'E' ? s.toUpperCase() : s;
    }
    case 'f':
    case 'F': {
      const [i, f] = abs.toFixed(precision ?? 6).split('.');
      return group(i, sep) + (f === undefined ? '' : `.${f}`);
    }
    case '%': {
      const [i, f] = (abs * 100).toFixed(precision ?? 6).split('.');
      return group(i, sep) + (f === undefined ? '' : `.${f}`) + '%';
    }
    case 'g':
    case 'G': {
      const p = precision === 0 ? 1 : (precision ?? 6);
      const exp = abs === 0 ? 0 : Math.floor(Math.log10(abs));
      const s =
        exp < -4 || exp >= p
          ? pyExp(abs, p - 1).replace(/\.?0+e/, 'e')
          : abs
              .toFixed(Math.max(0, p - 1 - exp))
              .replace(/(\.\d*?)0+$/, '$1')
              .replace(/\.$/, '');
      return type === 'G' ? s.toUpperCase() : s;
    }
    default: {
      if (precision !== undefined) return formatNumber(n, 'g', precision, alt, sep);
      const [i, f] = String(abs).split('.');
      return group(i, sep) + (f === undefined ? '' : `.${f}`);
    }
  }
}

/** format(value, spec): Python's format() for the types the expression language has. */
export function formatValue(v: unknown, spec: string): string {
  const m = SPEC.exec(spec);
  if (!m) throw new ExprValueError(`format: invalid format specifier '${spec}'`);
  const [, fillChar, alignChar, sign, alt, zero, widthText, sep, precText, type] = m;
  const width = widthText === undefined ? 0 : Number(widthText);
  const precision = precText === undefined ? undefined : Number(precText);
  const isNumber = typeof v === 'number' && (type !== 's' || spec === '');
  let body: string;
  let signText = '';
  if (isNumber) {
    const n = v;
    body = formatNumber(n, type, precision, Boolean(alt), sep);
    signText = n < 0 || Object.is(n, -0) ? '-' : sign === '+' ? '+' : sign === ' ' ? ' ' : '';
  } else {
    if (type !== undefined && type !== 's') throw new ExprValueError(`format: unknown format code '${type}' for object of type '${typeName(v)}'`);
    if (sign) throw new ExprValueError(`format: sign not allowed in string format specifier`);
    body = pyStr(v);
    if (precision !== undefined) body = [...body].slice(0, precision).join('');
  }
  const fill = fillChar ?? (zero && !alignChar ? '0' : ' ');
  const align = alignChar ?? (zero && isNumber ? '=' : isNumber ? '>' : '<');
  const len = [...(signText + body)].length;
  const pad = Math.max(0, width - len);
  switch (align) {
    case '<':
      return signText + body + fill.repeat(pad);
    case '>':
      return fill.repeat(pad) + signText + body;
    case '^':
      return fill.repeat(Math.floor(pad / 2)) + signText + body + fill.repeat(pad - Math.floor(pad / 2));
    default:
      return signText + fill.repeat(pad) + body;
  }
}

/** The value a field name ("0", "name", "0[key].attr", "") names. */
function field(name: string, args: unknown[], kwargs: Args, auto: { next: number; mode?: 'auto' | 'manual' }): unknown {
  const m = /^([^.[]*)((?:\.[^.[]+|\[[^\]]+\])*)$/.exec(name);
  if (!m) throw new ExprValueError(`format: bad field name '${name}'`);
  const [, first, rest] = m;
  let v: unknown;
  if (first === '' || /^\d+$/.test(first)) {
    const mode = first === '' ? 'auto' : 'manual';
    if (auto.mode && auto.mode !== mode) throw new ExprValueError('format: cannot switch between automatic field numbering and manual field specification');
    auto.mode = mode;
    const i = first === '' ? auto.next++ : Number(first);
    if (i >= args.length) throw new ExprValueError(`format: replacement index ${i} out of range for positional args tuple`);
    v = args[i];
  } else {
    if (!Object.prototype.hasOwnProperty.call(kwargs, first)) throw new ExprValueError(`format: no keyword argument '${first}'`);
    v = kwargs[first];
  }
  for (const part of rest.match(/\.[^.[]+|\[[^\]]+\]/g) ?? []) {
    const key = part.startsWith('.') ? part.slice(1) : part.slice(1, -1);
    v = getMember(v, /^\d+$/.test(key) ? (Array.isArray(v) ? Number(key) : key) : key);
    if (v === UNDEFINED) throw new ExprValueError(`format: '${name}' is undefined`);
  }
  return v;
}

export function pyFormat(fmt: string, args: unknown[], kwargs: Args): string {
  const auto: { next: number; mode?: 'auto' | 'manual' } = { next: 0 };
  let out = '';
  for (let i = 0; i < fmt.length;) {
    const c = fmt[i];
    if (c === '}') {
      if (fmt[i + 1] !== '}') throw new ExprValueError("format: single '}' encountered in format string");
      out += '}';
      i += 2;
    } else if (c === '{') {
      if (fmt[i + 1] === '{') {
        out += '{';
        i += 2;
        continue;
      }
      const end = fmt.indexOf('}', i);
      if (end < 0) throw new ExprValueError("format: single '{' encountered in format string");
      const inner = fmt.slice(i + 1, end);
      if (inner.includes('{')) throw new ExprValueError('format: nested {} inside a format spec is not supported');
      const m = /^([^!:]*)(?:!([sra]))?(?::([\s\S]*))?$/.exec(inner);
      if (!m) throw new ExprValueError(`format: bad replacement field '{${inner}}'`);
      let v = field(m[1], args, kwargs, auto);
      if (m[2]) v = m[2] === 's' ? pyStr(v) : pyRepr(v);
      out += formatValue(v, m[3] ?? '');
      i = end + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
