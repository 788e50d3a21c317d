/**
 * Refusing options nobody reads: a misspelt option (`conectionTimeout`) would
 * otherwise be ignored and its default used in silence. The error names the
 * option and, when a known option is a likely typo of it, suggests that one.
 */
import { KafkaJSConfigurationError } from '../errors/errors.js';

/** Edit distance (insert, delete, substitute one character) between `a` and `b`. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The known name `name` is most likely a misspelling of, ignoring case; undefined
 * when none is close (more than a third of the name's characters differ).
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  const limit = Math.max(2, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return bestDistance <= limit ? best : undefined;
}

/** Numbers and booleans as given; anything else hidden, since a misplaced option may hold a secret (`sals: { password }`). */
function shown(value: unknown): unknown {
  return typeof value === 'number' || typeof value === 'boolean' || value === undefined || value === null ? value : `(a ${typeof value}, not shown)`;
}

/**
 * Throws for the first own key of `options` that is not in `known`.
 *
 * @param what - names the options in the error, e.g. `client` (`a known client option`)
 * @param prefix - prepended to the option's name, e.g. `producer.`
 * @throws KafkaJSConfigurationError naming the option, with "did you mean" when one is close
 */
export function refuseUnknownOptions(options: object, known: readonly string[], what: string, prefix = ''): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const suggestion = closestName(key, known);
    throw new KafkaJSConfigurationError({
      option: `${prefix}${key}`,
      value: shown((options as Record<string, unknown>)[key]),
      accepted: `a known ${what} option (${known.join(', ')})`,
      reason: suggestion === undefined ? 'unknown option' : `unknown option; did you mean '${suggestion}'?`,
    });
  }
}
