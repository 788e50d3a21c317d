/**
 * The `tskafka` command line: one file per command, dispatched from here.
 */
import { brokerCommand } from './broker.js';
import { demoCommand } from './demo.js';
import { selfCheck } from './selfcheck.js';

const USAGE = `usage: tskafka <command>

commands:
  broker      run the embedded Kafka-compatible broker (tskafka broker --help)
  demo        produce 1,000,000 order events with the reliable profile and read them back
              (--brokers host:port to use any Kafka; --count N)
  selfcheck   encode and decode a real Kafka exchange over a loopback socket and print each step
  help        this text
`;

/** Run the command line; resolves to the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command = 'help', ...rest] = argv;
  switch (command) {
    case 'broker':
      return brokerCommand(rest, (line) => console.log(line));
    case 'demo':
      return demoCommand(rest, (line) => console.log(line));
    case 'selfcheck':
      return selfCheck(rest, (line) => console.log(line));
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`tskafka: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}
