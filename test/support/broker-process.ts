/**
 * Entry point for running the `tskafka` command line from source in a child
 * process, as the e2e tests and the broker benchmark do:
 *
 *   node --import tsx test/support/broker-process.ts broker --override key=value ...
 *
 * Same behaviour as bin/tskafka.js, without needing the compiled dist/.
 */
import { main } from '../../src/cli/index.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  },
);
