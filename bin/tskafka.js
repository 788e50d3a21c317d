#!/usr/bin/env node
// The `tskafka` command. Runs the compiled CLI (built by `npm install` via `prepare`);
// main-entry sets the exit code (0 ok, 1 runtime failure, 2 usage error) and reports failures.
import '../dist/esm/cli/main-entry.js';
