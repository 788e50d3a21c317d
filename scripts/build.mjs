// Builds dist/esm (ES modules) and dist/cjs (CommonJS) with tsc, so the package
// works from `import` and from `require` on every Node >= 20. Run by `prepare`.
// Every entry point (`tskafka`, `tskafka/protocol`, `tskafka/broker`) is a
// src/**/index.ts, built with the rest of src/ and listed in package.json "exports".
// `--out DIR` writes DIR/esm and DIR/cjs instead of dist/ (the package test builds
// into a scratch copy of the package, leaving dist/ to the commands using it).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
const outFlag = process.argv.indexOf('--out');
const out = outFlag === -1 ? join(root, 'dist') : resolve(process.argv[outFlag + 1] ?? '');

rmSync(out, { recursive: true, force: true });
for (const [project, format] of [['tsconfig.json', 'esm'], ['tsconfig.cjs.json', 'cjs']]) {
  const r = spawnSync(process.execPath, [tsc, '-p', join(root, project), '--outDir', join(out, format)], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) {
    console.error(`build failed: tsc -p ${project} exited with ${r.status ?? r.signal}`);
    process.exit(1);
  }
}
mkdirSync(join(out, 'cjs'), { recursive: true });
// Files under dist/cjs are CommonJS despite the package's "type": "module".
writeFileSync(join(out, 'cjs', 'package.json'), '{ "type": "commonjs" }\n');

// Every file package.json "exports" names (".", "./protocol", "./broker": each an
// ESM and a CJS build with its types) must exist, or the package would install
// with an entry point that fails to load.
const { exports: entries } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const missing = [];
for (const [subpath, target] of Object.entries(entries)) {
  if (typeof target === 'string') continue;
  for (const condition of ['import', 'require']) {
    for (const file of Object.values(target[condition])) {
      if (!existsSync(join(out, file.replace(/^\.\/dist\//, '')))) missing.push(`${subpath} (${condition}): ${file}`);
    }
  }
}
if (missing.length > 0) {
  console.error(`build failed: package.json "exports" names files the build did not write:\n  ${missing.join('\n  ')}`);
  process.exit(1);
}
