/**
 * Child processes of the benchmarks: a script run to its end with its stdout and stderr
 * collected, killed after a timeout, and the last line of an output (where a client or
 * workload script prints its one JSON result).
 */
import { spawn } from 'node:child_process';

/** The last line of `text`, trimmed ('' when there is none). */
export function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1] ?? '';
}

/** How a child ended: its exit (code or signal) with everything it printed, or the spawn error. */
export type ChildEnd = { kind: 'exit'; code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string } | { kind: 'error'; error: Error };

/** Run `command args` in `cwd` to its end, SIGKILLed after `timeoutMs`. */
export function runChild(command: string, args: readonly string[], cwd: string, timeoutMs: number): Promise<ChildEnd> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ kind: 'error', error });
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ kind: 'exit', code, signal, stdout, stderr });
    });
  });
}

/** Why a child that did not exit 0 ended: `killed after N s` (the timeout) or `exit CODE`. */
export function exitReason(code: number | null, signal: NodeJS.Signals | null, timeoutMs: number): string {
  return signal === 'SIGKILL' ? `killed after ${timeoutMs / 1000} s` : `exit ${code ?? signal}`;
}
