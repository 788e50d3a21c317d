/**
 * The orchestrator's side of a client script (bench/<benchmark>/clients/*.ts): which
 * script on which Node binary, and one run of it as a child process whose last stdout
 * line is its JSON result (exit SKIP_EXIT_CODE: the case was skipped, stderr says why).
 */
import { join } from 'node:path';
import { exitReason, lastLine, runChild } from './child-process.js';
import { SKIP_EXIT_CODE } from './client-script.js';

/** A client script and the Node binary it runs on. */
export interface ClientProgram {
  id: string;
  script: string;
  /** The Node binary it runs on. */
  node: string;
  /** Why it cannot run, or undefined when it can. */
  missing(): string | undefined;
}

/** One run of a client script: its result line, or why there is none. */
export type ClientOutcome<R> = { kind: 'ok'; result: R } | { kind: 'skipped' | 'failed'; reason: string };

/**
 * Run `clientsDir/client.script` under tsx once in `root`, SIGKILLed after `timeoutMs`; its
 * last stdout line is its result. `stderrReason` picks what a failed run's stderr says.
 */
export async function runClientProcess<R>(
  root: string,
  clientsDir: string,
  client: ClientProgram,
  args: string[],
  timeoutMs: number,
  stderrReason: (stderr: string) => string = lastLine,
): Promise<ClientOutcome<R>> {
  const end = await runChild(client.node, ['--import', 'tsx', join(clientsDir, client.script), ...args], root, timeoutMs);
  if (end.kind === 'error') return { kind: 'failed', reason: end.error.message };
  const { code, signal, stdout, stderr } = end;
  if (code === 0) {
    try {
      return { kind: 'ok', result: JSON.parse(lastLine(stdout)) as R };
    } catch {
      return { kind: 'failed', reason: `no result line in its output: ${lastLine(stdout) || lastLine(stderr)}` };
    }
  }
  if (code === SKIP_EXIT_CODE) return { kind: 'skipped', reason: lastLine(stderr) };
  return { kind: 'failed', reason: `${exitReason(code, signal, timeoutMs)}: ${stderrReason(stderr)}` };
}
