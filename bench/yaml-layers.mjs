#!/usr/bin/env node
// Where the time of loading a large vars file goes, layer by layer (issue 10; a measurement,
// not a test): the yaml library's Lexer alone, Lexer + Parser (CST), parseDocument (+ Composer),
// our parseYaml (+ duplicate keys, alias checks), plain(), then our fast path (yaml-fast.ts) and
// loadVarsFile with and without it. CPU ms of this process per layer (user + sys), each layer
// run on its own from the text.
//   node bench/yaml-layers.mjs FILE...     (after npm run build)
import { readFileSync } from 'node:fs';
import { Lexer, Parser, parseDocument } from 'yaml';
import { parseYaml, plain, withPlainEnv, YAML_OPTIONS } from '../dist/src/load/yaml-source.js';
import { fastPlain } from '../dist/src/load/yaml-fast.js';
import { loadVarsFile } from '../dist/src/load/vars-file.js';

const cpu = (f) => {
  const t = process.cpuUsage();
  const r = f();
  const d = process.cpuUsage(t);
  return [Math.round((d.user + d.system) / 1000), r];
};

for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, 'utf8');
  const row = {};
  row.lexer = cpu(() => {
    let n = 0;
    for (const _ of new Lexer().lex(text)) n++;
    return n;
  })[0];
  row['lexer+parser'] = cpu(() =>
    withPlainEnv(() => {
      let n = 0;
      for (const _ of new Parser().parse(text)) n++;
      return n;
    }),
  )[0];
  row.parseDocument = cpu(() => withPlainEnv(() => parseDocument(text, YAML_OPTIONS)))[0];
  const [parseMs, y] = cpu(() => parseYaml(text, file, []));
  row.parseYaml = parseMs;
  row.plain = cpu(() => plain(y, y.root))[0];
  row.fastPlain = cpu(() => fastPlain(text) !== undefined)[0];
  const built = fastPlain(text) !== undefined;
  row['loadVarsFile document'] = cpu(() => loadVarsFile(file, [], undefined, false))[0];
  row['loadVarsFile fast'] = cpu(() => loadVarsFile(file, []))[0];
  console.log(
    `${file} (${text.length} bytes, fast path ${built ? 'builds it' : 'falls back'}): ` +
      Object.entries(row)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') +
      ' (CPU ms)',
  );
}
