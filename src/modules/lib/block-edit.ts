/**
 * blockinfile's edit, computed on the controller. A port of Ansible's blockinfile main():
 * the block sits between "{mark}" marker lines (BEGIN/END); an existing block is replaced
 * in place; otherwise it goes after the last insertafter match / before the last
 * insertbefore match ((?m) patterns search the whole file), else at EOF. An empty block
 * or state=absent removes it. Markers are compared without their line terminator, so
 * a block whose markers were written with CRLF is still found (Ansible would add a second one).
 */
import type { PyRegex } from './pyregex.js';
import { splitLines, strip } from './text-lines.js';
import type { EditResult } from './line-edit.js';

export interface BlockEdit {
  present: boolean;
  block: string;
  /** Marker template with "{mark}". */
  marker: string;
  markerBegin: string;
  markerEnd: string;
  /** A regex, or 'EOF'. */
  insertafter?: string;
  /** A regex, or 'BOF'. */
  insertbefore?: string;
  insertRe?: PyRegex;
  prependNewline: boolean;
  appendNewline: boolean;
}

export function editBlock(original: string, o: BlockEdit): EditResult {
  const lines = splitLines(original);
  // As Ansible (os.linesep): markers and the block's last line end in "\n", the block's own
  // line ends (CRLF too) and the file's other lines are kept as they are.
  const eol = '\n';
  const m0 = o.marker.replaceAll('{mark}', o.markerBegin);
  const m1 = o.marker.replaceAll('{mark}', o.markerEnd);
  let blockLines: string[] = [];
  if (o.present && o.block) {
    let block = o.block;
    if (!block.endsWith(eol)) block += eol;
    blockLines = [m0 + eol, ...splitLines(block), m1 + eol];
  }

  let n0: number | undefined;
  let n1: number | undefined;
  lines.forEach((l, i) => {
    if (strip(l) === m0) n0 = i;
    if (strip(l) === m1) n1 = i;
  });

  const insertafter = o.insertafter ?? (o.insertbefore === undefined ? 'EOF' : undefined);
  const insRe = (insertafter !== undefined && insertafter !== 'EOF') || (o.insertbefore !== undefined && o.insertbefore !== 'BOF') ? o.insertRe : undefined;

  let at: number;
  if (n0 === undefined || n1 === undefined) {
    let pos: number | undefined;
    if (insRe) {
      if (insRe.multiline) {
        const m = insRe.exec(original);
        if (m) {
          const upto = insertafter !== undefined ? m.index + m[0].length : m.index;
          pos = (original.slice(0, upto).match(/\n/g) ?? []).length;
        }
      } else {
        lines.forEach((l, i) => {
          if (insRe.test(l)) pos = i;
        });
      }
      if (pos === undefined) pos = lines.length;
      else if (insertafter !== undefined) pos += 1;
    } else if (o.insertbefore !== undefined) pos = 0;
    else pos = lines.length;
    at = pos;
  } else if (n0 < n1) {
    lines.splice(n0, n1 - n0 + 1);
    at = n0;
  } else {
    lines.splice(n1, n0 - n1 + 1);
    at = n1;
  }

  if (at > 0 && !lines[at - 1].endsWith('\n')) lines[at - 1] += eol;
  if (o.prependNewline && blockLines.length && at !== 0 && strip(lines[at - 1]) !== '') {
    lines.splice(at, 0, eol);
    at += 1;
  }
  lines.splice(at, 0, ...blockLines);
  if (o.appendNewline && blockLines.length) {
    const after = at + blockLines.length;
    if (after < lines.length && strip(lines[after]) !== '') lines.splice(after, 0, eol);
  }

  // Whatever the file ended with, a newline follows the end marker (Ansible's result).
  const text = lines.join('');
  if (text === original) return { text, changed: false, msg: '' };
  return { text, changed: true, msg: blockLines.length ? 'Block inserted' : 'Block removed' };
}
