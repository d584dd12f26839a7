/**
 * What type a templated string in a playbook gives, as in Ansible 2.14 with jinja2_native off
 * (ansible/template/__init__.py Templar.template, native_helpers.py ansible_eval_concat):
 *
 * - `"{{ name }}"` alone, naming a variable whose value is a number, a bool or none: that value
 *   (Templar's SINGLE_VAR shortcut; "{{ n }}" keeps an int).
 * - Everything else renders to text (Python's str(): True, [1, 'a'], none as ""), and that text is
 *   turned back into a value only when it starts with `{` or `[` or is exactly `True` / `False`
 *   (ast.literal_eval, with JSON's true/false/null): so "{{ 5 }}" and "{{ n + 1 }}" are the str
 *   "5" / "6", "{{ 1.5 }}" is "1.5", "{{ true }}" is True, "[{{ a }}, 2]" is a list, and
 *   "{{ 'True' }}" a bool.
 *
 * Module arguments convert the str back where their type asks for one (an int argument given
 * "{{ 5 }}" takes 5, as Ansible's argument spec converts); set_fact also turns a string
 * yes/no/true/false into a bool (modules/set_fact.ts).
 */
import type { Node } from './ast.js';
import { tokenize } from './lexer.js';
import { Parser } from './parser.js';
import { UnsafeText, markUnsafe } from './unsafe.js';
import { isMapping, PyFloat, toText, tuple } from './values.js';

/** The names ast.literal_eval accepts after Ansible's Json2Python pass. */
const LITERAL_NAMES = new Set(['True', 'False', 'None', 'true', 'false', 'null']);

/** A Python literal's value (strings, numbers, lists, tuples, dicts, True/False/None, true/false/null), else undefined. */
export function literalEval(text: string): unknown {
  let node: Node;
  try {
    node = new Parser(tokenize(text)).parseAll();
  } catch {
    return undefined;
  }
  const NOT = Symbol('not a literal');
  const value = (n: Node): unknown => {
    switch (n.kind) {
      case 'literal':
        // Constants the parser folded (none, True...) must be spelled as Python or JSON spells them.
        if (n.value === null || typeof n.value === 'boolean') return LITERAL_NAMES.has(text.slice(n.start, n.end)) ? n.value : NOT;
        return n.value;
      case 'list': {
        const items = n.items.map(value);
        return items.includes(NOT) ? NOT : n.tuple ? tuple(items) : items;
      }
      case 'dict': {
        const out: Record<string, unknown> = {};
        for (const [k, v] of n.entries) {
          const key = value(k);
          const val = value(v);
          if (key === NOT || val === NOT || (typeof key !== 'string' && typeof key !== 'number')) return NOT;
          out[String(key)] = val;
        }
        return out;
      }
      case 'unary': {
        if (n.op === 'not') return NOT;
        const v = value(n.operand);
        if (v instanceof PyFloat) return n.op === '-' ? new PyFloat(-v.value) : v;
        return typeof v === 'number' ? (n.op === '-' ? -v : v) : NOT;
      }
      default:
        return NOT;
    }
  };
  const v = value(node);
  return v === NOT ? undefined : v;
}

/** ansible_eval_concat's last step: text that looks like a list, dict or bool becomes one. */
export function fromTemplateText(text: string): unknown {
  if (!(text.startsWith('{') || text.startsWith('[') || text === 'True' || text === 'False')) return text;
  const v = literalEval(text);
  return v === undefined ? text : v;
}

/**
 * The value of a string that is one `{{ expr }}` (`alone`: nothing around it, not even spaces), or
 * that expression's value with text around it (`around`: the text before and after), as Ansible's
 * Templar gives it. `singleVar`: the expression is a bare variable name (SINGLE_VAR).
 */
export function templateValue(v: unknown, singleVar: boolean, alone: boolean, around: (shown: string) => string): unknown {
  if (alone && singleVar && (v === null || typeof v === 'boolean' || typeof v === 'number' || v instanceof PyFloat)) return v;
  // str() of a list or dict starts with `[` / `{` and literal_eval gives the same value back.
  if (alone && (Array.isArray(v) || isMapping(v))) return v;
  if (v instanceof UnsafeText) {
    // Host output is data: converted as Ansible converts it, and still marked unsafe.
    const out = fromTemplateText(around(v.text));
    return typeof out === 'string' ? (alone ? v : out) : markUnsafe(out);
  }
  return fromTemplateText(around(toText(v)));
}
