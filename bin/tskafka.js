#!/usr/bin/env node
// The `tskafka` command. Runs the compiled CLI (built by `npm install` via `prepare`).
import { main } from '../dist/esm/cli/index.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  },
);
