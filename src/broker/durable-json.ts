/**
 * The broker's small metadata files (ACLs, client quotas, SCRAM credentials):
 * one JSON object with a version and one list, replaced so that a crash leaves
 * the old content or the new, never half of either.
 */
import { mkdir, open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Write `value` as JSON to `path` atomically and durably: a temporary file, fsync, rename over the old one, fsync of the directory. */
export async function writeJsonFileDurably(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  const file = await open(tmp, 'w');
  try {
    await file.writeFile(`${JSON.stringify(value, null, 2)}\n`, 'utf8');
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(tmp, path);
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/**
 * The list under `listKey` of a file `{"version": version, listKey: [...]}`;
 * anything else is reported through `problem` (which throws the file's error).
 */
export function parseVersionedJsonList(text: string, version: number, listKey: string, problem: (message: string) => never): unknown[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return problem(`not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const file = raw as Record<string, unknown> | null;
  if (typeof file !== 'object' || file === null || file.version !== version || !Array.isArray(file[listKey])) {
    return problem(`expected {"version": ${version}, "${listKey}": [...]}`);
  }
  return file[listKey] as unknown[];
}

/** A metadata file exists but cannot be used; the broker does not start rather than run without what it holds. */
export class MetadataFileError extends Error {
  override readonly name = 'MetadataFileError';
  constructor(what: string, path: string, problem: string) {
    super(`${what} file ${path} cannot be loaded: ${problem}`);
  }
}
