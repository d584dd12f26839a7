/**
 * password_hash's crypt(3) hashes (src/load/expr/crypt.ts) against what Python's crypt.crypt (libxcrypt,
 * Debian bookworm) printed for the same password and salt string on this machine, which is what
 * ansible-core 2.14.18 returns without passlib.
 */
import { describe, expect, test } from 'vitest';
import { passwordHash } from '../../../src/load/expr/crypt.js';
import { compileExpression } from '../../../src/load/expr/index.js';

const X100 = 'x'.repeat(100);

describe('crypt(3) hashes as libxcrypt computes them', () => {
  test.each([
    ['sha512', 'mysalt', 'secret', undefined, '$6$mysalt$UX6P1VKOf6dr0s2pg4pLNvIUB6hLXvP6M5f/Yj9hJgMPdAJ4oArvk5YUD9/XWtk1JOpVwt/JTsczMJr8sFVML1'],
    ['sha512', 'mysalt', '', undefined, '$6$mysalt$v3eaavcIGeUkyeFtuTOVU1.0uOICRFVGOs5GaK/zQ43wIXPoSk855IwjRzntmCogV6gNtUAlIktC23eIKt21c0'],
    ['sha512', 'mysalt', X100, undefined, '$6$mysalt$DjQxKlXWSdtWx2CEoS/pgS2B6EEoUrXwit2modPJooYsU7xRYUpbhr8MKvzQ/m9tjPq6hdLvnIhwGpRaAxoRL/'],
    ['sha512', 'mysalt', 'é', undefined, '$6$mysalt$VoTHvpFUGhD.FV/JfxZB/g5SnUEgwOGBtT2WzaKL7T.akt01xKb30dM9lBAQidqaoTn5Z25HwrJcEO5VdnPc/1'],
    ['sha512', 'abcdefghijklmnop', X100, undefined, '$6$abcdefghijklmnop$r/HtRGuCzMNedONV3I8Xz8Qm4Qy85pQ/RigX0agmbAzWsa3BCc1B564NfCD/Giyliby36KbTMkrVLsmFYtbTu1'],
    ['sha512', 'mysalt', 'secret', 10000, '$6$rounds=10000$mysalt$9XTP7570fxVN/uTspSrH6kRPdR4KKGzGz7.TmJjDYGrKSwZuavW/3YaLur8JX6WP75Czcxa.megIO0lKreY0R.'],
    ['sha256', 'ab', 'secret', 1000, '$5$rounds=1000$ab$bw4PhTdETPYycBP1S/MfHGVqzf4cldTXkxqJJ2X8w.3'],
    ['sha256', 'ab', X100, 1000, '$5$rounds=1000$ab$wtPnDyvsTxfaYReMYBUEqybNr5QvSsON0sI3eAWTjU.'],
    ['sha256', '0123456789abcdef', '', undefined, '$5$0123456789abcdef$Zn36wCiXtVKLQsl4EZaBU/Ag5FUHHzFRXevhCLkg7x/'],
    ['sha256', '0123456789abcdef', 'é', undefined, '$5$0123456789abcdef$m05IhkCKpttHs26GY4Hun7IxS9s9EeFmEEZsfXNth04'],
    ['md5', 'abcdefgh', 'secret', undefined, '$1$abcdefgh$cHJi5PXp/ki/ktXzqlk6I1'],
    ['md5', 'abcdefgh', '', undefined, '$1$abcdefgh$M55TzYaaccxVGbptZWaxX/'],
    ['md5', 'abcdefgh', X100, undefined, '$1$abcdefgh$ax3Kvr/hbxTbyc0QiTLcg/'],
    ['md5', 'x', 'é', undefined, '$1$x$IyT2FJT7pv0vKIR0z/IaI0'],
    // passlib's implicit rounds mean "not given" to CryptHash: crypt's own 5000, not written.
    ['sha512_crypt', 'mysalt', 'secret', 656000, '$6$mysalt$UX6P1VKOf6dr0s2pg4pLNvIUB6hLXvP6M5f/Yj9hJgMPdAJ4oArvk5YUD9/XWtk1JOpVwt/JTsczMJr8sFVML1'],
    // rounds below crypt's minimum: libxcrypt's failure token, which 2.14 returns as the hash.
    ['sha512', 'ab', 'secret', 999, '*0'],
  ] as const)('%s salt %s of %j (rounds %s)', (algo, salt, pw, rounds, want) => {
    expect(passwordHash(pw, algo, salt, undefined, rounds)).toBe(want);
  });

  test('a random salt: crypt characters, the algorithm size', () => {
    const h = passwordHash('x', 'sha512', undefined, undefined, undefined);
    expect(h).toMatch(/^\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/);
    expect(passwordHash('x', 'sha512', undefined, undefined, undefined)).not.toBe(h);
    expect(passwordHash('x', 'md5', undefined, 4, undefined)).toMatch(/^\$1\$[./0-9A-Za-z]{4}\$[./0-9A-Za-z]{22}$/);
  });

  test.each([
    ["'x' | password_hash('sha512', 'bad salt')", 'invalid characters in salt'],
    ["'x' | password_hash('md5', 'abcdefghi')", 'invalid salt size'],
    ["'x' | password_hash('blowfish')", "crypt.crypt does not support 'bcrypt' algorithm"],
    ["'x' | password_hash('nope')", "crypt.crypt does not support 'nope' algorithm"],
  ])('%s fails as 2.14 does', (src, msg) => {
    expect(() => compileExpression(src).evaluate({})).toThrow(msg);
  });
});
