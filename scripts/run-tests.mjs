// Runs every test/**/*.test.ts with Node's built-in test runner through tsx.
// (Node 20's --test takes no glob patterns, so the files are listed here.)
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const only = process.argv.slice(2);

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return find(p);
    return e.name.endsWith('.test.ts') ? [relative(root, p)] : [];
  });
}

const files = find(join(root, 'test'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// TAP for every test, then a list of the failed ones last: a CI log is often
// read from its end, and one failure among 1,700 passes is otherwise hard to find.
const reporters = [
  '--test-reporter=tap',
  '--test-reporter-destination=stdout',
  `--test-reporter=${join(root, 'scripts', 'failures-reporter.mjs')}`,
  '--test-reporter-destination=stdout',
];
// Two test files at a time: most of a file's time is spent waiting (timers, long polls, child
// processes), so on 2 cores the suite takes two thirds of the time it takes one file at a time.
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...reporters, ...files], {
  stdio: 'inherit',
  cwd: root,
});
process.exit(r.status ?? 1);
