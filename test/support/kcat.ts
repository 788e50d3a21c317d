/**
 * kcat (librdkafka's command-line client) as a test and benchmark peer, always
 * run asynchronously: a blocking spawnSync would stall an in-process broker.
 */
import { spawn, spawnSync } from 'node:child_process';

/** kcat's path, or '' when it is not installed. */
export const KCAT = spawnSync('which', ['kcat'], { encoding: 'utf8' }).stdout?.trim() ?? '';

/** A `skip` option for tests that need kcat. */
export const skipWithoutKcat: string | false = KCAT === '' ? 'kcat is not installed (`which kcat` found nothing): install it with `apt-get install kcat`' : false;

export interface KcatRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface KcatOptions {
  /** Written to kcat's stdin, which is then closed (producer mode). */
  readonly input?: string | Buffer;
  /** kcat is killed (SIGKILL) after this long. Default 30 s. */
  readonly timeoutMs?: number;
}

/** Run kcat with `args` and collect its output. */
export function runKcat(args: readonly string[], options: KcatOptions = {}): Promise<KcatRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(KCAT, args, { timeout: options.timeoutMs ?? 30_000, killSignal: 'SIGKILL', stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => stdout.push(d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(stdout).toString('utf8'), stderr }));
    if (options.input !== undefined) child.stdin!.end(options.input);
  });
}
