/**
 * A `tskafka broker` in a child process (test/support/broker-process.ts run
 * through tsx), for tests that kill -9 the broker, test the command line, or
 * must not share an event loop with the broker (benchmarks, blocking tools).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('./broker-process.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The line `tskafka broker` prints once it is listening. */
const STARTED = /^tskafka broker (\d+) started in (\d+) ms, listening on ([A-Z_]+):\/\/([^\s,]+):(\d+)/;

export interface BrokerChild {
  readonly child: ChildProcess;
  /** `host:port` of the first listener. */
  readonly bootstrap: string;
  readonly port: number;
  /** The start-up time the broker printed, ms. */
  readonly startedInMs: number;
  /** Everything the broker wrote to stdout and stderr so far (for assertion messages). */
  output(): string;
  /** Send `signal` and wait for the exit; resolves to the exit code and signal. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Start `tskafka broker <args>` in a child process and wait for its "started" line.
 *
 * @param args - arguments after `broker` (a properties file, `--override k=v`, `--in-memory`...)
 * @param timeoutMs - how long to wait for the "started" line
 * @throws when the child exits or stays silent before it is listening
 */
export async function startBrokerChild(args: readonly string[], timeoutMs = 20_000): Promise<BrokerChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'broker', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
  const started = new Promise<RegExpExecArray>((resolve, reject) => {
    let pending = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      output += d;
      pending += d;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        const m = STARTED.exec(line);
        if (m) resolve(m);
      }
    });
    void exited.then((e) => reject(new Error(`the broker exited (code ${e.code}, signal ${e.signal}) before it started:\n${output}`)));
    child.on('error', reject);
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the broker did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
  });
  let m: RegExpExecArray;
  try {
    m = await Promise.race([started, timeout]);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  } finally {
    clearTimeout(timer);
  }
  return {
    child,
    bootstrap: `${m[4]}:${m[5]}`,
    port: Number(m[5]),
    startedInMs: Number(m[2]),
    output: () => output,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
