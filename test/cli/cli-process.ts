/**
 * Runs `tskafka` as a child process from the TypeScript sources (what
 * bin/tskafka.js runs from the build), asynchronously: a blocking spawnSync would
 * stall the in-process broker the command talks to.
 */
import { spawn } from 'node:child_process';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import { type StartBrokerOptions } from '../../src/broker/server.js';
import { type AdminFixture, startAdminFixture } from '../admin/admin-fixture.js';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The command's entry point, run with `node --import tsx`. */
export const ENTRY = 'src/cli/main-entry.ts';

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  /** Written to stdin, which is then closed; without it stdin is empty. */
  readonly input?: string;
  /** Added to the environment; KAFKA_BROKERS is removed unless given here. */
  readonly env?: Readonly<Record<string, string>>;
  /** Killed after this long. Default 60 s: far above a run on a loaded machine. */
  readonly timeoutMs?: number;
}

/** Run `tskafka <args>` and collect its output and exit code. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  return runNode(['--import', 'tsx', ENTRY, ...args], options);
}

/** Run node with `args` in the repository root and collect its output and exit code. */
export function runNode(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  if (!options.env?.KAFKA_BROKERS) delete env.KAFKA_BROKERS;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, timeout: options.timeoutMs ?? 60_000, killSignal: 'SIGKILL', stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** The shell-quoted command line of `tskafka <args>`, for `script -c`. */
export function cliCommandLine(args: readonly string[]): string {
  const quote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;
  return [process.execPath, '--import', 'tsx', ENTRY, ...args].map(quote).join(' ');
}

/**
 * A broker with KafkaJS peers for one `describe` block of CLI tests: started
 * before its tests, closed after them; `brokers` is the `--brokers` option for it.
 */
export class CliBroker {
  #fixture: AdminFixture | undefined;

  constructor(clientId: string, options: Partial<StartBrokerOptions> = {}) {
    before(async () => {
      this.#fixture = await startAdminFixture(clientId, options);
    });
    after(async () => {
      await this.#fixture?.close();
    });
  }

  /** The broker and its KafkaJS peers. */
  get f(): AdminFixture {
    if (!this.#fixture) throw new Error('the broker starts in the before hook');
    return this.#fixture;
  }

  /** `--brokers host:port` of the broker. */
  get brokers(): string[] {
    return ['--brokers', this.f.broker.bootstrap];
  }

  /** A topic's configs as KafkaJS's describeConfigs reports them. */
  async topicConfigs(topic: string): Promise<Map<string, string | null>> {
    const described = await this.f.peer.describeConfigs({ resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: topic }], includeSynonyms: false });
    return new Map(described.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
  }
}
