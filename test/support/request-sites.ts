/**
 * Finds the places in the client's source that send a Kafka request, for the
 * test that every one of them declares the versions it implements.
 *
 * A site is a call `.send(<Codec>Request, ...)` (Connection.send) or
 * `.request(<Codec>Request, ...)` (the RequestQueue, which only the opening
 * exchange of a connection uses directly), where `<Codec>Request` is a
 * generated request codec. A text scan, not a type-checker pass: enough for
 * source written in house style, and it needs no build.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, sep } from 'node:path';

/** One call that sends a request. */
export interface RequestSite {
  /** Path from the repository root, with `/` separators. */
  readonly file: string;
  /** 1-based line of the call. */
  readonly line: number;
  /** `send` (Connection.send) or `request` (the RequestQueue). */
  readonly method: 'send' | 'request';
  /** The request codec's identifier, e.g. `MetadataRequest`. */
  readonly codec: string;
  /** The call's top-level arguments, as written. */
  readonly args: readonly string[];
  /**
   * The `*_VERSIONS` constants the options' `versions` names, directly or
   * through a local `const versions = ...`; empty when it declares none.
   */
  readonly declared: readonly string[];
  /** Whether the send options carry a `versions` property. */
  readonly hasVersions: boolean;
}

/** A `*_VERSIONS` constant written as literal numbers. */
export interface DeclaredConstant {
  readonly name: string;
  readonly min: number;
  readonly max: number;
}

const CALL = /\.(send|request)\(\s*([A-Z]\w*Request)\b/g;
const VERSIONS_PROPERTY = /(?:^|[{,\s])versions\s*(?::|,|\})/;
const CONSTANT_NAME = /\b[A-Z][A-Z0-9_]*_VERSIONS\b/g;
const LITERAL_CONSTANT = /\bconst\s+([A-Z][A-Z0-9_]*_VERSIONS)\s*(?::\s*\w+\s*)?=\s*(?:Object\.freeze\(\s*)?\{\s*min:\s*(\d+),\s*max:\s*(\d+)\s*\}/g;
const TYPED_CONSTANT = /\bconst\s+([A-Z][A-Z0-9_]*)\s*:\s*RequestVersions\b/g;

/** Every `.ts` file under `dir`, skipping the directories in `skip` (paths from `root`). */
export function sourceFiles(root: string, dir: string, skip: readonly string[]): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return skip.includes(path.split(sep).join('/')) ? [] : sourceFiles(root, path, skip);
    return e.name.endsWith('.ts') ? [path.split(sep).join('/')] : [];
  });
}

/** The request sites of one source text. */
export function findRequestSites(file: string, source: string): RequestSite[] {
  const sites: RequestSite[] = [];
  for (const match of source.matchAll(CALL)) {
    const open = match.index + match[0].indexOf('(');
    const args = splitArguments(source, open);
    const options = match[1] === 'send' ? (args[3] ?? '') : '';
    const hasVersions = VERSIONS_PROPERTY.test(options);
    const named = [...options.matchAll(CONSTANT_NAME)].map((m) => m[0]);
    // `{ versions }` or `versions: versions`: the local the site chose from its constants.
    const local = hasVersions && named.length === 0 ? localVersions(source, match.index) : [];
    sites.push({
      file,
      line: source.slice(0, match.index).split('\n').length,
      method: match[1] as 'send' | 'request',
      codec: match[2]!,
      args,
      declared: [...named, ...local],
      hasVersions,
    });
  }
  return sites;
}

/** The `*_VERSIONS` constants of one source text that are written as literal numbers. */
export function literalConstants(source: string): Map<string, DeclaredConstant> {
  const found = new Map<string, DeclaredConstant>();
  for (const m of source.matchAll(LITERAL_CONSTANT)) found.set(m[1]!, { name: m[1]!, min: Number(m[2]), max: Number(m[3]) });
  return found;
}

/** The names of every constant typed `RequestVersions` in one source text, literal or not. */
export function requestVersionsConstants(source: string): string[] {
  return [...source.matchAll(TYPED_CONSTANT)].map((m) => m[1]!);
}

/** The constants named by the nearest `const versions = ...;` before `at`. */
function localVersions(source: string, at: number): string[] {
  const start = source.lastIndexOf('const versions =', at);
  if (start < 0) return [];
  const end = source.indexOf(';', start);
  return [...source.slice(start, end).matchAll(CONSTANT_NAME)].map((m) => m[0]);
}

/** The top-level arguments of the call whose `(` is at `open`; strings, templates and comments are skipped over. */
function splitArguments(source: string, open: number): string[] {
  const args: string[] = [];
  let depth = 0;
  let from = open + 1;
  for (let i = open; i < source.length; i++) {
    const c = source[i]!;
    if (c === '"' || c === "'" || c === '`') {
      i = endOfString(source, i);
      continue;
    }
    if (c === '/' && source[i + 1] === '/') {
      i = source.indexOf('\n', i);
      continue;
    }
    if (c === '/' && source[i + 1] === '*') {
      i = source.indexOf('*/', i) + 1;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) {
        args.push(source.slice(from, i).trim());
        break;
      }
    } else if (c === ',' && depth === 1) {
      args.push(source.slice(from, i).trim());
      from = i + 1;
    }
  }
  return args.filter((a) => a !== '');
}

/** The index of the quote closing the string opened at `start` (template `${...}` parts are skipped whole). */
function endOfString(source: string, start: number): number {
  const quote = source[start]!;
  for (let i = start + 1; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') i++;
    else if (c === quote) return i;
    else if (quote === '`' && c === '$' && source[i + 1] === '{') {
      let depth = 0;
      for (i++; i < source.length; i++) {
        if (source[i] === '{') depth++;
        else if (source[i] === '}' && --depth === 0) break;
      }
    }
  }
  return source.length;
}

/** The request sites of every file in `files` (paths from `root`). */
export function findAllRequestSites(root: string, files: readonly string[]): RequestSite[] {
  return files.flatMap((file) => findRequestSites(file, readFileSync(join(root, file), 'utf8')));
}
