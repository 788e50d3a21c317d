/**
 * The competitors that bench/producer/setup.sh installs, shared by the producer and the
 * consumer benchmarks: where they are, the Node 24 binary, and loading the libraries.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Where setup.sh installs the competitors (gitignored). */
export const COMPETITORS_DIR = fileURLToPath(new URL('../producer/.competitors/', import.meta.url));

/** The Node 24 binary setup.sh installs (@platformatic/kafka needs Node >= 22). */
export const NODE24 = join(COMPETITORS_DIR, 'node24', 'node_modules', '.bin', 'node');

/** What to tell the user when a competitor is missing. */
export const SETUP_HINT = 'install it with: bash bench/producer/setup.sh';

/** The installed @platformatic/kafka package's directory. */
export const PLATFORMATIC_DIR = join(COMPETITORS_DIR, 'platformatic', 'node_modules', '@platformatic', 'kafka');

/** node-rdkafka from the competitors and its package.json's path, or throw saying how to install it. */
export function loadNodeRdkafka<T>(): { module: T; packageJson: string } {
  const require = createRequire(join(COMPETITORS_DIR, 'package.json'));
  let module: T;
  try {
    module = require('node-rdkafka') as T;
  } catch (e) {
    throw new Error(`node-rdkafka is not installed or did not build: run bash bench/producer/setup.sh (${e instanceof Error ? e.message : String(e)})`);
  }
  return { module, packageJson: require.resolve('node-rdkafka/package.json') };
}

/** @platformatic/kafka from the competitors, or throw saying how to install it. */
export async function importPlatformatic<T>(): Promise<T> {
  try {
    // Its package.json exports only ./dist/index.js, as ESM.
    return (await import(pathToFileURL(join(PLATFORMATIC_DIR, 'dist', 'index.js')).href)) as T;
  } catch (e) {
    throw new Error(`@platformatic/kafka is not installed: run bash bench/producer/setup.sh (${e instanceof Error ? e.message : String(e)})`);
  }
}
