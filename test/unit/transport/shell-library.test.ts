/**
 * A library body as the persistent shell stores it (shell-library.ts wireText): without its
 * whole-line comments, which the server would read byte by byte for nothing, and otherwise the
 * same shell text. Every body nodemend registers is checked with this machine's /bin/sh -n.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { libraryBodies, stripCommentLines, wireText } from '../../../src/transport/shell-library.js';
import '../../../src/transport/remote-file.js';

describe('library bodies on the wire', () => {
  it('drops whole-line comments, keeps code, quoted text and comments after code', () => {
    const text = "# top\n  # indented\nx=1 # after code\necho '\n# in single quotes\n'\necho \"a\n  # in double quotes\n\"\n\techo ${x#y} $# \\# 'it''s'\n# end\n";
    expect(stripCommentLines(text)).toBe("x=1 # after code\necho '\n# in single quotes\n'\necho \"a\n  # in double quotes\n\"\n\techo ${x#y} $# \\# 'it''s'\n");
  });

  it('does not take a quote inside a comment after code for a quote', () => {
    expect(stripCommentLines("a=1 # it's\n# gone\nb=2\n")).toBe("a=1 # it's\nb=2\n");
  });

  it('leaves a body with a here-document whole', () => {
    const text = 'cat <<EOF\n# kept: data\nEOF\n# a comment\n';
    expect(stripCommentLines(text)).toBe(text);
    expect(stripCommentLines("echo '<<'\n# gone\n")).toBe("echo '<<'\n");
  });

  it('stores every registered body as valid shell, only comment lines removed', () => {
    expect(libraryBodies().length).toBeGreaterThan(2);
    for (const [body] of libraryBodies()) {
      const w = wireText(body);
      const removed = body.split('\n').filter((l) => !w.split('\n').includes(l));
      expect(removed.every((l) => /^\s*#/.test(l))).toBe(true);
      expect(w.length).toBeLessThanOrEqual(body.length);
      execFileSync('sh', ['-n'], { input: w });
    }
  });
});
