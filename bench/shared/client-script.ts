/**
 * The client script's side (bench/<benchmark>/clients/*.ts): the arguments every script
 * takes, its main (one JSON result line on stdout, or an exit code), the skip signal,
 * and the library version it reports.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

/** The fields every benchmark's result line has (the JSON line a client prints; its orchestrator reads only that). */
export interface BaseClientResult<C extends string> {
  client: string;
  /** The library and version measured, e.g. `kafkajs@2.2.4`. */
  library: string;
  case: C;
  records: number;
  seconds: number;
  recordsPerSec: number;
  /** Peak RSS of the client process, MB. */
  peakRssMb: number;
  node: string;
}

/** Thrown by a client that cannot run a case (a missing codec, no batch API...); the orchestrator shows it as a skip. */
export class SkipCase extends Error {}

/** The exit code of a skipped case; stderr holds the reason. */
export const SKIP_EXIT_CODE = 3;

/**
 * Parse `--brokers --topic --case --max-seconds` and the string options `extra`, strictly
 * (an unknown option throws). Every value is a string or undefined, checked by the caller.
 */
export function parseScriptArgs<K extends string>(argv: readonly string[], extra: readonly K[]): Partial<Record<'brokers' | 'topic' | 'case' | 'max-seconds' | K, string>> {
  const options: Record<string, { type: 'string' }> = {};
  for (const name of ['brokers', 'topic', 'case', ...extra, 'max-seconds']) options[name] = { type: 'string' };
  const { values } = parseArgs({ args: [...argv], options, strict: true });
  return values as Partial<Record<'brokers' | 'topic' | 'case' | 'max-seconds' | K, string>>;
}

/** `--brokers` and `--topic`, or throw naming the missing one. */
export function brokersAndTopic(values: { brokers?: string | undefined; topic?: string | undefined }): { brokers: string[]; topic: string } {
  if (!values.brokers) throw new Error('--brokers host:port[,host:port] is required');
  if (!values.topic) throw new Error('--topic is required');
  return { brokers: values.brokers.split(','), topic: values.topic };
}

/** `--case`, one of `cases`' keys, or throw listing them. */
export function caseArg<C extends string>(raw: string | undefined, cases: Readonly<Record<C, unknown>>): C {
  const caseId = raw as C | undefined;
  if (!caseId || !(caseId in cases)) throw new Error(`--case must be one of ${Object.keys(cases).join(', ')}`);
  return caseId;
}

/** `--max-seconds`: a positive number, Infinity when absent. */
export function maxSecondsArg(raw: string | undefined): number {
  const maxSeconds = raw === undefined ? Number.POSITIVE_INFINITY : Number(raw);
  if (!(maxSeconds > 0)) throw new Error(`--max-seconds must be a positive number; got ${raw}`);
  return maxSeconds;
}

/**
 * A client script's main: parse the arguments (exit 2 when they are bad), run `body`,
 * call `beforePrint`, print its result as one JSON line, and exit (libraries that keep
 * timers or native threads alive must not hold the benchmark up). A SkipCase exits with
 * SKIP_EXIT_CODE, other errors go to stderr with exit code 1.
 */
export function runScript<A, R>(parse: () => A, body: (args: A) => Promise<R>, beforePrint: () => void = () => {}): void {
  let args: A;
  try {
    args = parse();
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exit(2);
  }
  body(args).then(
    (result) => {
      beforePrint();
      process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
    },
    (err: unknown) => {
      if (err instanceof SkipCase) {
        console.error(err.message);
        process.exit(SKIP_EXIT_CODE);
      }
      console.error(err instanceof Error ? (err.stack ?? err.message) : err);
      process.exit(1);
    },
  );
}

/** Package name and version from a resolved package.json path, for the result's `library`. */
export async function libraryVersion(packageJsonPath: string): Promise<string> {
  const pkg = JSON.parse(await readFile(packageJsonPath, 'utf8')) as { name?: string; version?: string };
  return `${pkg.name ?? '?'}@${pkg.version ?? '?'}`;
}
