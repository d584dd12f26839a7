/**
 * The one place where values meet a remote shell. Every command nodemend sends is
 * built with `sh\`...\`` (interpolations quoted) or `quote()`; nothing else
 * concatenates user values into shell text.
 */

/** POSIX single-quote a value: safe for any byte sequence except NUL. */
export function quote(value: string | number): string {
  const s = String(value);
  if (s.includes('\0')) throw new Error('cannot pass a NUL byte to a remote shell');
  if (s !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'"'"'`)}'`;
}

/** A fragment that is already shell syntax (built by sh`` or a constant) and must not be quoted again. */
export class Raw {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}
export const raw = (text: string): Raw => new Raw(text);

type ShValue = string | number | Raw | readonly (string | number | Raw)[];

function render(v: ShValue): string {
  if (v instanceof Raw) return v.text;
  if (Array.isArray(v)) return v.map((x) => render(x as ShValue)).join(' ');
  return quote(v as string | number);
}

/** Tagged template: literal parts are shell syntax, every `${value}` is quoted (arrays become several words). */
export function sh(strings: TemplateStringsArray, ...values: ShValue[]): Raw {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new Raw(out);
}
