/**
 * The `tskafka` verbs' one argument parser: GNU-style long options (`--name value`,
 * `--name=value`), single-letter aliases (`-c 10`), flags, repeatable options, `--`
 * to end options, and the usage text each verb prints for `--help`. A mistake in
 * the arguments is a {@link UsageError}, which the command turns into exit code 2,
 * as kafka-topics.sh and kcat do for bad usage, so scripts can tell it from a
 * broker's refusal (exit code 1).
 */
import { KafkaJSNonRetriableError } from '../errors/errors.js';

/** The exit codes scripts rely on. */
export const ExitCode = Object.freeze({ OK: 0, FAILURE: 1, USAGE: 2 } as const);

/** Bad command-line usage: an unknown verb or option, a missing or malformed argument. */
export class UsageError extends KafkaJSNonRetriableError {
  override readonly name: string = 'UsageError';
  /** The command whose usage was wrong, e.g. `topics create`, for the pointer to its `--help`. */
  readonly command: string;

  constructor(message: string, command = '') {
    super(message);
    this.command = command;
  }
}

/** One option a verb accepts. */
export interface OptionSpec {
  /** The long name without dashes, e.g. `partitions`. */
  readonly name: string;
  /** A one-letter alias without the dash, e.g. `c`. */
  readonly short?: string;
  /** `flag`: no value; `value`: one value (the last wins); `list`: repeatable, every value kept. */
  readonly kind: 'flag' | 'value' | 'list';
  /** The value's placeholder in the usage text, e.g. `N`. */
  readonly arg?: string;
  readonly help: string;
}

/** A verb's usage: what `--help` prints and what the parser accepts. */
export interface CommandSpec {
  /** The words after `tskafka`, e.g. `topics create`. */
  readonly command: string;
  /** Positional arguments as shown in the usage line, e.g. `<topic>`. */
  readonly positionals?: string;
  readonly summary: string;
  readonly options: readonly OptionSpec[];
  /** Extra paragraphs (examples, notes) after the options. */
  readonly notes?: string;
}

const EXIT_CODES_NOTE = 'exit codes: 0 ok, 1 runtime failure (broker error, failed send, broker unreachable), 2 usage error';

/** The `--help` text of a verb. */
export function usageText(spec: CommandSpec): string {
  const lines = [`usage: tskafka ${spec.command}${spec.options.length > 0 ? ' [options]' : ''}${spec.positionals ? ` ${spec.positionals}` : ''}`, '', spec.summary, ''];
  if (spec.options.length > 0) {
    lines.push('options:');
    const heads = spec.options.map((o) => `${o.short ? `-${o.short}, ` : '    '}--${o.name}${o.arg ? ` ${o.arg}` : ''}`);
    const width = Math.max(...heads.map((h) => h.length)) + 2;
    spec.options.forEach((o, i) => lines.push(`  ${heads[i]!.padEnd(width)}${o.help}${o.kind === 'list' ? ' (repeatable)' : ''}`));
    lines.push('');
  }
  if (spec.notes) lines.push(spec.notes.trimEnd(), '');
  lines.push(EXIT_CODES_NOTE, '');
  return lines.join('\n');
}

/** Parsed arguments with typed accessors; every accessor reports a bad value as a {@link UsageError}. */
export class ParsedArgs {
  readonly #command: string;
  readonly #values: Map<string, string[]>;
  /** Arguments that are not options, in order. */
  readonly positionals: readonly string[];

  constructor(command: string, values: Map<string, string[]>, positionals: readonly string[]) {
    this.#command = command;
    this.#values = values;
    this.positionals = positionals;
  }

  /** A usage error of this command. */
  usage(message: string): UsageError {
    return new UsageError(message, this.#command);
  }

  has(name: string): boolean {
    return this.#values.has(name);
  }

  flag(name: string): boolean {
    return this.#values.has(name);
  }

  /** The option's last value, or undefined when absent. */
  string(name: string): string | undefined {
    const all = this.#values.get(name);
    return all?.[all.length - 1];
  }

  /** Every value of a repeatable option. */
  list(name: string): string[] {
    return this.#values.get(name) ?? [];
  }

  /** An integer option within `[min, max]`, or undefined when absent. */
  integer(name: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const text = this.string(name);
    if (text === undefined) return undefined;
    const n = Number(text);
    if (text.trim() === '' || !Number.isSafeInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
      throw this.usage(`--${name} must be ${range}, got ${JSON.stringify(text)}`);
    }
    return n;
  }

  /** The positional argument at `index`, named `what` in the error when it is missing. */
  positional(index: number, what: string): string {
    const value = this.positionals[index];
    if (value === undefined || value === '') throw this.usage(`missing ${what}`);
    return value;
  }

  /** Refuse positional arguments beyond the first `count`. */
  noMorePositionals(count: number): void {
    if (this.positionals.length > count) throw this.usage(`unexpected argument ${JSON.stringify(this.positionals[count])}`);
  }

  /** At most one of these options may be given; the name of the one given, or undefined. */
  oneOf(names: readonly string[]): string | undefined {
    const given = names.filter((n) => this.#values.has(n));
    if (given.length > 1) throw this.usage(`--${given[0]} and --${given[1]} cannot be used together`);
    return given[0];
  }
}

/** The result of parsing: either `--help` was asked for, or the arguments. */
export type ParseResult = { readonly help: true } | { readonly help: false; readonly args: ParsedArgs };

/**
 * Parse `argv` against the verb's options.
 *
 * @throws UsageError for an unknown option or an option missing its value
 */
export function parseArgs(argv: readonly string[], spec: CommandSpec): ParseResult {
  const byName = new Map(spec.options.map((o) => [o.name, o]));
  const byShort = new Map(spec.options.filter((o) => o.short).map((o) => [o.short!, o]));
  const values = new Map<string, string[]>();
  const positionals: string[] = [];
  const bad = (message: string): UsageError => new UsageError(message, spec.command);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return { help: true };
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    let option: OptionSpec | undefined;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq === -1 ? undefined : arg.slice(eq + 1);
      option = byName.get(name);
      if (!option) throw bad(`unknown option --${name}`);
    } else if (arg.length > 1 && arg.startsWith('-') && !/^-\d/.test(arg)) {
      option = byShort.get(arg.slice(1, 2));
      if (!option) throw bad(`unknown option ${arg.slice(0, 2)}`);
      if (arg.length > 2) inline = arg.slice(2);
    } else {
      positionals.push(arg);
      continue;
    }
    if (option.kind === 'flag') {
      if (inline !== undefined) throw bad(`--${option.name} takes no value`);
      values.set(option.name, ['']);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw bad(`--${option.name} needs a value (${option.arg ?? 'VALUE'})`);
    const previous = option.kind === 'list' ? (values.get(option.name) ?? []) : [];
    values.set(option.name, [...previous, value]);
  }
  return { help: false, args: new ParsedArgs(spec.command, values, positionals) };
}

/** Split `k=v` into its name and value; the value may itself hold `=`. */
export function keyValue(text: string, option: string, command: string): { name: string; value: string } {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`--${option} takes name=value, got ${JSON.stringify(text)}`, command);
  return { name: text.slice(0, eq), value: text.slice(eq + 1) };
}

/** A verb with sub-verbs: `tskafka topics <list|create|...>`. */
export interface SubcommandTable {
  readonly command: string;
  readonly summary: string;
  readonly subcommands: Readonly<Record<string, { readonly summary: string; readonly run: (argv: readonly string[]) => Promise<number> }>>;
}

/** The `--help` text of a verb with sub-verbs. */
export function subcommandUsage(table: SubcommandTable): string {
  const names = Object.keys(table.subcommands);
  const width = Math.max(...names.map((n) => n.length)) + 2;
  const lines = [`usage: tskafka ${table.command} <${names.join('|')}> [options]`, '', table.summary, '', 'commands:'];
  for (const name of names) lines.push(`  ${name.padEnd(width)}${table.subcommands[name]!.summary}`);
  lines.push('', `run "tskafka ${table.command} <command> --help" for a command's options`, EXIT_CODES_NOTE, '');
  return lines.join('\n');
}

/** Run the sub-verb named by `argv[0]`. */
export async function dispatch(table: SubcommandTable, argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) throw new UsageError(`missing command; commands: ${Object.keys(table.subcommands).join(', ')}`, table.command);
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(subcommandUsage(table));
    return ExitCode.OK;
  }
  const sub = Object.hasOwn(table.subcommands, name) ? table.subcommands[name] : undefined;
  if (!sub) throw new UsageError(`unknown command "${table.command} ${name}"; commands: ${Object.keys(table.subcommands).join(', ')}`, table.command);
  return sub.run(rest);
}

/** Parse `argv` for one verb and run it, or print its usage for `--help`. */
export async function runWithArgs(spec: CommandSpec, argv: readonly string[], body: (args: ParsedArgs) => Promise<number>): Promise<number> {
  const parsed = parseArgs(argv, spec);
  if (parsed.help) {
    process.stdout.write(usageText(spec));
    return ExitCode.OK;
  }
  return body(parsed.args);
}
