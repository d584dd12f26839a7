// One-file build of the CLI: Node 20 resolves and compiles each ES module file
// separately, and nodemend's ~150 files plus its dependencies' cost ~0.4 s of CPU at every
// start. Bundled (dist/nodemend.cjs) and loaded with a V8 code cache made here
// (dist/nodemend.cjs.cache, by scripts/launcher.mjs as dist/nodemend.mjs), a run starts in
// ~0.25 s. tsc's dist/src stays for the fleet tool, the tests' in-process imports and the
// benchmark harness.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Every file lands whole (written aside, then renamed): tests and runs may start the CLI
// while a build is under way, and esbuild's own write left dist/nodemend.cjs empty for a
// moment, the launcher's copy dist/nodemend.mjs too.
const tmp = (file) => `${file}.tmp-${process.pid}`;
const replace = (file, write) => {
  write(tmp(file));
  renameSync(tmp(file), file);
};

const bundled = await build({
  write: false,
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/nodemend.cjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  // CommonJS: V8 code caches (vm.Script cachedData) exist for scripts, not for ES modules, on Node 20.
  format: 'cjs',
  // ssh2's optional native helpers, loaded from node_modules at run time (a bundle cannot
  // hold a .node file). Without its crypto binding ssh2 still works but encrypts each
  // packet through slower fallbacks, so its relative require is pointed back at ssh2.
  external: ['cpu-features'],
  plugins: [
    {
      name: 'ssh2-native-crypto',
      setup(b) {
        b.onResolve({ filter: /sshcrypto\.node$/ }, () => ({ path: 'ssh2/lib/protocol/crypto/build/Release/sshcrypto.node', external: true }));
      },
    },
    {
      // What every start would parse and run for nothing (the code cache grows with it too):
      // zod's z.locales, its ~45 languages (~300 KB; nodemend's messages are zod's English,
      // which its schemas import themselves; z.locales and z.core.locales are empty here), and ssh2's HTTP(S) agents, which load node's
      // http, https and tls at start-up (nodemend uses ssh2's Client and parseKey only).
      name: 'unused-at-run-time',
      setup(b) {
        const stub = (contents) => () => ({ contents, loader: 'js', resolveDir: '.' });
        b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (a) => (/zod[\\/]v4[\\/]/.test(a.importer) ? { path: 'zod-locales', namespace: 'unused' } : undefined));
        b.onResolve({ filter: /^\.\/http-agents\.js$/ }, (a) => (/ssh2[\\/]lib/.test(a.importer) ? { path: 'ssh2-http-agents', namespace: 'unused' } : undefined));
        b.onLoad({ filter: /^zod-locales$/, namespace: 'unused' }, stub('export {};'));
        b.onLoad({ filter: /^ssh2-http-agents$/, namespace: 'unused' }, stub('module.exports = {};'));
      },
    },
  ],
  sourcemap: 'linked',
  logLevel: 'warning',
});

mkdirSync('dist', { recursive: true });
// The old code cache goes before the new bundle comes: V8 checks a cache against its source's
// length only.
rmSync('dist/nodemend.cjs.cache', { force: true });
// The source map before the bundle that names it.
const isMap = (f) => f.path.endsWith('.map');
for (const f of [...bundled.outputFiles.filter(isMap), ...bundled.outputFiles.filter((f) => !isMap(f))])
  replace(f.path, (t) => {
    writeFileSync(t, f.contents);
    // as esbuild writes it: a bundle with a shebang line is executable
    if (f.text.startsWith('#!')) chmodSync(t, 0o755);
  });
replace('dist/nodemend.mjs', (t) => {
  copyFileSync('scripts/launcher.mjs', t);
  chmodSync(t, 0o755);
});
// The code cache: what loading the CLI and validating the shipped playbooks compiles.
// The example inventory names ~/.ssh/id_ed25519, which a load requires to exist: a home that has one.
const home = mkdtempSync(join(tmpdir(), 'nm-bundle-home-'));
mkdirSync(join(home, '.ssh'));
writeFileSync(join(home, '.ssh/id_ed25519'), 'placeholder\n');
try {
  replace('dist/nodemend.cjs.cache', (t) =>
    execFileSync(process.execPath, ['dist/nodemend.mjs', 'validate', 'playbooks/site.yaml', '-i', 'inventory.example.yaml', '-e', '@playbooks/vars/local-fleet.yaml'], {
      env: { ...process.env, HOME: home, NODEMEND_WRITE_CODE_CACHE: t },
      stdio: 'ignore',
    }),
  );
} finally {
  rmSync(home, { recursive: true, force: true });
}
