/**
 * Runs the `tskafka` command from the TypeScript sources, as bin/tskafka.js runs
 * the compiled build: `node --import tsx src/cli/main-entry.ts <command> ...`.
 * The tests run the command this way, as a child process.
 */
import { main } from './index.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Every verb closes its connections; should a handle still hold the event loop
    // open, leave anyway rather than hang a script.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (err: unknown) => {
    process.stderr.write(`tskafka: error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
