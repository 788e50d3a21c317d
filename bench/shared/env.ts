/** The BENCH_* environment variables the benchmarks read. */

/** A comma-separated list, or undefined when the variable is unset or empty. */
export function envList(name: string): string[] | undefined {
  const value = process.env[name]?.trim();
  return value ? value.split(',').map((s) => s.trim()) : undefined;
}

/** A positive number, `dflt` when the variable is unset or empty; throws on anything else. */
export function envNumber(name: string, dflt: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return dflt;
  const value = Number(raw);
  if (!(value > 0)) throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
  return value;
}
