// One-file build of the CLI (dist/nodemend.mjs): Node 20 resolves and compiles each ES
// module file separately, and nodemend's ~150 files plus its dependencies' cost ~0.4 s of
// CPU at every start; bundled, a run starts in about half that. tsc's dist/src stays for
// the fleet tool, the tests' in-process imports and the benchmark harness.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/nodemend.mjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
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
  ],
  // CommonJS dependencies (ssh2, handlebars) expect require/__dirname inside an ES module.
  banner: {
    js: [
      "import { createRequire as __nmCreateRequire } from 'node:module';",
      "import { fileURLToPath as __nmFileURLToPath } from 'node:url';",
      'const require = __nmCreateRequire(import.meta.url);',
      'const __filename = __nmFileURLToPath(import.meta.url);',
      "const __dirname = __nmFileURLToPath(new URL('.', import.meta.url));",
    ].join(' '),
  },
  sourcemap: 'linked',
  logLevel: 'error',
});
