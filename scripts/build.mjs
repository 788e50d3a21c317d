// Builds dist/esm (ES modules) and dist/cjs (CommonJS) with tsc, so the package
// works from `import` and from `require` on every Node >= 20. Run by `prepare`.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');

rmSync(join(root, 'dist'), { recursive: true, force: true });
for (const project of ['tsconfig.json', 'tsconfig.cjs.json']) {
  const r = spawnSync(process.execPath, [tsc, '-p', join(root, project)], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) {
    console.error(`build failed: tsc -p ${project} exited with ${r.status ?? r.signal}`);
    process.exit(1);
  }
}
mkdirSync(join(root, 'dist', 'cjs'), { recursive: true });
// Files under dist/cjs are CommonJS despite the package's "type": "module".
writeFileSync(join(root, 'dist', 'cjs', 'package.json'), '{ "type": "commonjs" }\n');
