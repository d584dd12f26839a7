/**
 * lineinfile's edit, computed on the controller from the file's text. A port of Ansible's
 * present()/absent() (lib/ansible/modules/lineinfile.py) with the same decisions:
 * the LAST matching line is replaced unless firstmatch; with no regexp match an exact copy
 * of `line` anywhere means "present"; otherwise insert after/before the last (or first)
 * insertafter/insertbefore match, else at EOF; backrefs with no match change nothing.
 * One deliberate difference: new lines use the file's newline style (CRLF files stay CRLF).
 * As Ansible, a line written without a final newline gets one (its own test target checks the
 * bytes: test/fixtures/ansible-targets/lineinfile), and removing lines leaves the rest as they were.
 */
import type { PyRegex } from './pyregex.js';
import { expandTemplate } from './pyregex.js';
import { detectEol, splitLines, strip } from './text-lines.js';

export interface LinePresent {
  line: string;
  regexp?: PyRegex;
  searchString?: string;
  /** A regex, or 'EOF' / 'BOF'. Default (neither given): EOF. */
  insertafter?: string;
  insertbefore?: string;
  insertRe?: PyRegex;
  backrefs: boolean;
  firstmatch: boolean;
}

export interface LineAbsent {
  line?: string;
  regexp?: PyRegex;
  searchString?: string;
}

export interface EditResult {
  text: string;
  changed: boolean;
  msg: string;
  /** Lines removed (state=absent). */
  found?: number;
}

export function linePresent(original: string, o: LinePresent): EditResult {
  const lines = splitLines(original);
  const eol = detectEol(lines);
  const insertafter = o.insertafter ?? (o.insertbefore === undefined ? 'EOF' : undefined);
  const insertbefore = o.insertbefore;
  const insRe = o.insertRe; // the module passes a regex only when insertafter/insertbefore is not an anchor

  let index0 = -1; // line matched by regexp / search_string / exact line
  let index1 = -1; // insertion point from insertafter / insertbefore
  let match: RegExpExecArray | null = null;
  let found = false;

  if (o.regexp) {
    for (let i = 0; i < lines.length; i++) {
      const m = o.regexp.exec(lines[i]); // with its terminator, as Python searches it
      if (m) {
        index0 = i;
        match = m;
        found = true;
        if (o.firstmatch) break;
      }
    }
  }
  if (o.searchString !== undefined) {
    for (let i = 0; i < lines.length; i++) {
      if (lines[i].includes(o.searchString)) {
        index0 = i;
        found = true;
        if (o.firstmatch) break;
      }
    }
  }
  if (!found) {
    for (let i = 0; i < lines.length; i++) {
      if (strip(lines[i]) === o.line) {
        index0 = i;
      } else if (insRe && insRe.test(lines[i])) {
        index1 = insertafter !== undefined ? i + 1 : i;
        if (o.firstmatch) break;
      }
    }
  }

  const add = (at: number) => lines.splice(at, 0, o.line + eol);
  const append = () => {
    if (lines.length && !lines[lines.length - 1].endsWith('\n')) lines[lines.length - 1] += eol;
    lines.push(o.line + eol);
  };
  let msg = '';

  if (index0 !== -1) {
    let newLine = o.line;
    if (o.backrefs && match) newLine = expandTemplate(o.line, match);
    // The replaced line keeps its own terminator; a last line without one gets one, as Ansible writes it.
    const term = /\r?\n$/.exec(lines[index0])?.[0] ?? eol;
    const full = newLine.endsWith('\n') ? newLine : newLine + term;
    if (lines[index0] !== full) {
      lines[index0] = full;
      msg = 'line replaced';
    }
  } else if (o.backrefs) {
    // No match to fill the backreferences from: nothing safe to write.
  } else if (insertbefore === 'BOF' || insertafter === 'BOF') {
    add(0);
    msg = 'line added';
  } else if (insertafter === 'EOF' || index1 === -1) {
    append();
    msg = 'line added';
  } else if (insertafter !== undefined) {
    if (lines.length === index1) {
      if (strip(lines[index1 - 1]) !== o.line) {
        append();
        msg = 'line added';
      }
    } else if (strip(lines[index1]) !== o.line) {
      add(index1);
      msg = 'line added';
    }
  } else {
    add(index1);
    msg = 'line added';
  }

  if (!msg) return { text: original, changed: false, msg: '' };
  const text = lines.join('');
  return { text, changed: text !== original, msg };
}

export function lineAbsent(original: string, o: LineAbsent): EditResult {
  const lines = splitLines(original);
  let found = 0;
  const kept = lines.filter((l) => {
    let hit: boolean;
    if (o.regexp) {
      hit = o.regexp.test(l);
    } else if (o.searchString !== undefined) hit = l.includes(o.searchString);
    else hit = strip(l) === o.line;
    if (hit) found++;
    return !hit;
  });
  if (!found) return { text: original, changed: false, msg: '', found: 0 };
  const text = kept.join('');
  return { text, changed: true, msg: `${found} line(s) removed`, found };
}
