/**
 * Reads Kafka's JSON message specs (../shared/kafka-protocol/messages/*.json)
 * into a typed model. Used by the code generator and by the schema-driven
 * round-trip test, so both see the specs the same way.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Inclusive version range; `max` is Infinity for "N+"; `null` for "none". */
export interface Range {
  min: number;
  max: number;
}

export type PrimitiveType =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'float64'
  | 'string'
  | 'bytes'
  | 'uuid'
  | 'records';

export const PRIMITIVES: ReadonlySet<string> = new Set<PrimitiveType>([
  'bool',
  'int8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'float64',
  'string',
  'bytes',
  'uuid',
  'records',
]);

/** A field's type: a primitive, a struct, or an array of either. */
export type FieldType =
  | { kind: 'primitive'; name: PrimitiveType }
  | { kind: 'struct'; struct: StructSpec }
  | { kind: 'array'; element: FieldType };

export interface FieldSpec {
  /** PascalCase name from the spec. */
  name: string;
  type: FieldType;
  versions: Range | null;
  nullableVersions: Range | null;
  taggedVersions: Range | null;
  tag: number | null;
  ignorable: boolean;
  /** The `default` from the spec, as written (string), if any. */
  default: string | null;
  /** Field-level override of the message's flexibleVersions (only RequestHeader.ClientId). */
  flexibleVersions: Range | null | undefined;
  about: string;
}

export interface StructSpec {
  name: string;
  fields: FieldSpec[];
}

export interface MessageSpec {
  name: string;
  type: 'request' | 'response' | 'header' | 'data';
  apiKey: number | null;
  validVersions: Range;
  flexibleVersions: Range | null;
  deprecatedVersions: Range | null;
  latestVersionUnstable: boolean;
  listeners: string[];
  root: StructSpec;
  /** Every struct reachable from the root, root first, each once. */
  structs: StructSpec[];
  file: string;
}

/** Remove `//` comments outside JSON strings. */
export function stripComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') {
        out += text[++i] ?? '';
      } else if (c === '"') {
        inString = false;
      }
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else {
      out += c;
    }
  }
  return out;
}

/** Parse "3+", "0-2", "5" or "none". */
export function parseRange(text: string | undefined): Range | null {
  if (text === undefined || text === 'none') return null;
  const t = text.trim();
  if (t.endsWith('+')) return { min: Number(t.slice(0, -1)), max: Infinity };
  const dash = t.indexOf('-');
  if (dash >= 0) return { min: Number(t.slice(0, dash)), max: Number(t.slice(dash + 1)) };
  const n = Number(t);
  if (!Number.isInteger(n)) throw new Error(`bad version range "${text}"`);
  return { min: n, max: n };
}

export function inRange(r: Range | null, v: number): boolean {
  return r !== null && v >= r.min && v <= r.max;
}

interface RawField {
  name: string;
  type: string;
  versions?: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number;
  ignorable?: boolean;
  default?: string | number | boolean;
  flexibleVersions?: string;
  about?: string;
  fields?: RawField[];
}

interface RawMessage {
  name: string;
  type: MessageSpec['type'];
  apiKey?: number;
  validVersions: string;
  flexibleVersions?: string;
  deprecatedVersions?: string;
  latestVersionUnstable?: boolean;
  listeners?: string[];
  fields: RawField[];
  commonStructs?: { name: string; versions?: string; fields: RawField[] }[];
}

/** Parse one spec file's text. */
export function parseMessage(text: string, file: string): MessageSpec {
  const raw = JSON.parse(stripComments(text)) as RawMessage;
  const structs: StructSpec[] = [];
  const common = new Map<string, RawField[]>();
  for (const cs of raw.commonStructs ?? []) common.set(cs.name, cs.fields);
  const built = new Map<string, StructSpec>();

  const buildStruct = (name: string, rawFields: RawField[]): StructSpec => {
    const existing = built.get(name);
    if (existing) return existing;
    const spec: StructSpec = { name, fields: [] };
    built.set(name, spec);
    structs.push(spec);
    spec.fields = rawFields.map(buildField);
    return spec;
  };

  const buildType = (typeName: string, f: RawField): FieldType => {
    if (typeName.startsWith('[]')) return { kind: 'array', element: buildType(typeName.slice(2), f) };
    if (PRIMITIVES.has(typeName)) return { kind: 'primitive', name: typeName as PrimitiveType };
    if (f.fields) return { kind: 'struct', struct: buildStruct(typeName, f.fields) };
    const cs = common.get(typeName);
    if (!cs) throw new Error(`${file}: unknown type ${typeName} for field ${f.name}`);
    return { kind: 'struct', struct: buildStruct(typeName, cs) };
  };

  const buildField = (f: RawField): FieldSpec => ({
    name: f.name,
    type: buildType(f.type, f),
    versions: parseRange(f.versions),
    nullableVersions: parseRange(f.nullableVersions),
    taggedVersions: parseRange(f.taggedVersions),
    tag: f.tag ?? null,
    ignorable: f.ignorable ?? false,
    default: f.default === undefined ? null : String(f.default),
    flexibleVersions: f.flexibleVersions === undefined ? undefined : parseRange(f.flexibleVersions),
    about: f.about ?? '',
  });

  const root: StructSpec = { name: raw.name, fields: [] };
  built.set(raw.name, root);
  structs.push(root);
  root.fields = raw.fields.map(buildField);

  const validVersions = parseRange(raw.validVersions);
  if (!validVersions) throw new Error(`${file}: no validVersions`);
  return {
    name: raw.name,
    type: raw.type,
    apiKey: raw.apiKey ?? null,
    validVersions,
    flexibleVersions: parseRange(raw.flexibleVersions),
    deprecatedVersions: parseRange(raw.deprecatedVersions),
    latestVersionUnstable: raw.latestVersionUnstable ?? false,
    listeners: raw.listeners ?? [],
    root,
    structs,
    file,
  };
}

/** Load every spec in `dir`, sorted by name. */
export function loadMessages(dir: string): MessageSpec[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => parseMessage(readFileSync(join(dir, f), 'utf8'), f));
}

/** lowerCamelCase of a spec name: "ThrottleTimeMs" -> "throttleTimeMs", "ISR" stays readable as "isr". */
export function camel(name: string): string {
  const m = /^[A-Z]+(?=[A-Z][a-z]|\d|$)/.exec(name);
  if (m && m[0].length > 1) return m[0].toLowerCase() + name.slice(m[0].length);
  return name.charAt(0).toLowerCase() + name.slice(1);
}
