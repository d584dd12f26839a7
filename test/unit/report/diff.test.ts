import { describe, expect, it } from 'vitest';
import { renderDiff } from '../../../src/report/diff.js';

describe('renderDiff', () => {
  it('shows removed and added lines with context', () => {
    const before = 'a\nb\nc\nd\ne\nf\ng\nh\n';
    const after = 'a\nb\nc\nd\nE\nf\ng\nh\ni\n';
    expect(renderDiff({ path: '/etc/default/grub', before, after }, false)).toBe(
      ['--- /etc/default/grub\tbefore', '+++ /etc/default/grub\tafter', '@@ -2,7 +2,8 @@', ' b', ' c', ' d', '-e', '+E', ' f', ' g', ' h', '+i', ''].join('\n'),
    );
  });

  it('an empty before is a new file', () => {
    expect(renderDiff({ path: '/etc/modules-load.d/kpatch.conf', before: '', after: 'livepatch\n' }, false)).toBe(
      ['--- /dev/null', '+++ /etc/modules-load.d/kpatch.conf\tafter', '@@ -0,0 +1,1 @@', '+livepatch', ''].join('\n'),
    );
  });

  it('notes a missing final newline', () => {
    expect(renderDiff({ path: 'f', before: 'x\n', after: 'x' }, false)).toContain('\\ No newline at end of file');
  });

  it('colors added lines green, removed red, hunks cyan', () => {
    const out = renderDiff({ path: 'f', before: 'old\n', after: 'new\n' }, true);
    expect(out).toContain('\x1b[31m-old\x1b[39m');
    expect(out).toContain('\x1b[32m+new\x1b[39m');
    expect(out).toContain('\x1b[36m@@ -1,1 +1,1 @@\x1b[39m');
  });

  it('nothing to show when both sides are equal', () => {
    expect(renderDiff({ path: 'f', before: 'same\n', after: 'same\n' }, false)).toBe('');
  });
});
