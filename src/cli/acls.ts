/**
 * `tskafka acls list|create|delete`: kafka-acls.sh's verbs with one option per
 * field of a binding (principal, host, operation, permission, resource type, name
 * and pattern type), named with Kafka's words, case-insensitive (`read`,
 * `transactional-id`, `prefixed`).
 */
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, type AclEntry, type AclFilter, ResourcePatternTypes } from '../admin/admin-types.js';
import { KafkaJSNonRetriableError } from '../errors/errors.js';
import { type CommandSpec, type OptionSpec, type ParsedArgs, type SubcommandTable, ExitCode, dispatch, runWithArgs } from './args.js';
import { CONNECTION_OPTIONS, kafkaFromArgs, withAdmin } from './cli-client.js';
import { formatTable, printLines } from './table.js';

type CodeTable = Readonly<Record<string, number>>;

const names = (table: CodeTable, skip: readonly string[]): string => Object.keys(table).filter((n) => !skip.includes(n)).map((n) => n.toLowerCase().replaceAll('_', '-')).join(', ');

/** The code of a name in a table, e.g. `transactional-id` in AclResourceTypes. */
function code(args: ParsedArgs, option: string, table: CodeTable, fallback: number, skip: readonly string[]): number {
  const text = args.string(option);
  if (text === undefined) return fallback;
  const key = text.toUpperCase().replaceAll('-', '_');
  if (!Object.hasOwn(table, key) || skip.includes(key)) throw args.usage(`--${option} must be one of ${names(table, skip)}, got ${JSON.stringify(text)}`);
  return table[key]!;
}

/** The name of a code, for printing. */
function nameOf(table: CodeTable, value: number): string {
  return (Object.keys(table).find((k) => table[k] === value) ?? String(value)).toLowerCase().replaceAll('_', '-');
}

const BINDING_OPTIONS = (filter: boolean): OptionSpec[] => {
  const any = filter ? ' (default any)' : '';
  return [
    { name: 'principal', kind: 'value', arg: 'P', help: `principal, e.g. User:alice${filter ? any : ' (required)'}` },
    { name: 'host', kind: 'value', arg: 'HOST', help: `client host${filter ? any : ' (default *, every host)'}` },
    { name: 'operation', kind: filter ? 'value' : 'list', arg: 'OP', help: `${names(AclOperationTypes, ['UNKNOWN', ...(filter ? [] : ['ANY'])])}${filter ? any : ' (required)'}` },
    { name: 'permission', kind: 'value', arg: 'allow|deny', help: `permission type${filter ? any : ' (default allow)'}` },
    { name: 'resource-type', kind: 'value', arg: 'TYPE', help: `${names(AclResourceTypes, ['UNKNOWN', ...(filter ? [] : ['ANY'])])}${filter ? any : ' (required)'}` },
    { name: 'resource-name', kind: 'value', arg: 'NAME', help: `resource name${filter ? any : ' (required; kafka-cluster for cluster)'}` },
    { name: 'pattern-type', kind: 'value', arg: 'TYPE', help: `${filter ? 'literal, prefixed, any or match (default any)' : 'literal or prefixed (default literal)'}` },
  ];
};

const LIST: CommandSpec = { command: 'acls list', summary: 'List the ACL bindings matching a filter (every binding without options).', options: [...BINDING_OPTIONS(true), ...CONNECTION_OPTIONS] };
const CREATE: CommandSpec = { command: 'acls create', summary: 'Create ACL bindings: one per --operation.', options: [...BINDING_OPTIONS(false), ...CONNECTION_OPTIONS], notes: 'example: tskafka acls create --principal User:alice --operation read --resource-type topic --resource-name orders' };
const DELETE: CommandSpec = { command: 'acls delete', summary: 'Delete the ACL bindings matching a filter; at least --principal or --resource-type is required.', options: [...BINDING_OPTIONS(true), ...CONNECTION_OPTIONS] };

function filterFrom(args: ParsedArgs): AclFilter {
  const filter: AclFilter = {
    resourceType: code(args, 'resource-type', AclResourceTypes, AclResourceTypes.ANY, ['UNKNOWN']) as AclFilter['resourceType'],
    resourcePatternType: code(args, 'pattern-type', ResourcePatternTypes, ResourcePatternTypes.ANY, ['UNKNOWN']) as AclFilter['resourcePatternType'],
    operation: code(args, 'operation', AclOperationTypes, AclOperationTypes.ANY, ['UNKNOWN']) as AclFilter['operation'],
    permissionType: code(args, 'permission', AclPermissionTypes, AclPermissionTypes.ANY, ['UNKNOWN']) as AclFilter['permissionType'],
  };
  const principal = args.string('principal');
  const host = args.string('host');
  const resourceName = args.string('resource-name');
  if (principal !== undefined) filter.principal = principal;
  if (host !== undefined) filter.host = host;
  if (resourceName !== undefined) filter.resourceName = resourceName;
  return filter;
}

const HEADER = ['PRINCIPAL', 'HOST', 'OPERATION', 'PERMISSION', 'RESOURCE-TYPE', 'RESOURCE-NAME', 'PATTERN-TYPE'];

function bindingRow(b: AclEntry): string[] {
  return [b.principal, b.host, nameOf(AclOperationTypes, b.operation), nameOf(AclPermissionTypes, b.permissionType), nameOf(AclResourceTypes, b.resourceType), b.resourceName, nameOf(ResourcePatternTypes, b.resourcePatternType)];
}

async function list(argv: readonly string[]): Promise<number> {
  return runWithArgs(LIST, argv, async (args) => {
    args.noMorePositionals(0);
    const filter = filterFrom(args);
    const described = await withAdmin(kafkaFromArgs(args), (admin) => admin.describeAcls(filter));
    if (described.errorCode !== 0) throw new KafkaJSNonRetriableError(`describing ACLs failed: ${described.errorMessage ?? `error code ${described.errorCode}`}`);
    const rows = described.resources.flatMap((r) => r.acls.map((acl) => bindingRow({ ...r, ...acl })));
    printLines(rows.length > 0 ? formatTable(HEADER, rows) : ['no ACL bindings match']);
    return ExitCode.OK;
  });
}

async function create(argv: readonly string[]): Promise<number> {
  return runWithArgs(CREATE, argv, async (args) => {
    args.noMorePositionals(0);
    const principal = args.string('principal');
    if (principal === undefined) throw args.usage('--principal is required (e.g. User:alice)');
    if (!args.has('resource-type')) throw args.usage('--resource-type is required');
    const resourceType = code(args, 'resource-type', AclResourceTypes, AclResourceTypes.TOPIC, ['UNKNOWN', 'ANY']) as AclEntry['resourceType'];
    const resourceName = args.string('resource-name') ?? (resourceType === AclResourceTypes.CLUSTER ? 'kafka-cluster' : undefined);
    if (resourceName === undefined) throw args.usage('--resource-name is required');
    const operations = args.list('operation');
    if (operations.length === 0) throw args.usage('--operation is required');
    const base = {
      principal,
      host: args.string('host') ?? '*',
      permissionType: code(args, 'permission', AclPermissionTypes, AclPermissionTypes.ALLOW, ['UNKNOWN', 'ANY']) as AclEntry['permissionType'],
      resourceType,
      resourceName,
      resourcePatternType: code(args, 'pattern-type', ResourcePatternTypes, ResourcePatternTypes.LITERAL, ['UNKNOWN', 'ANY', 'MATCH']) as AclEntry['resourcePatternType'],
    };
    const acl: AclEntry[] = operations.map((op) => {
      const key = op.toUpperCase().replaceAll('-', '_');
      if (!Object.hasOwn(AclOperationTypes, key) || key === 'UNKNOWN' || key === 'ANY') throw args.usage(`--operation must be one of ${names(AclOperationTypes, ['UNKNOWN', 'ANY'])}, got ${JSON.stringify(op)}`);
      return { ...base, operation: AclOperationTypes[key as keyof typeof AclOperationTypes] };
    });
    await withAdmin(kafkaFromArgs(args), (admin) => admin.createAcls({ acl }));
    printLines(['created', ...formatTable(HEADER, acl.map(bindingRow))]);
    return ExitCode.OK;
  });
}

async function remove(argv: readonly string[]): Promise<number> {
  return runWithArgs(DELETE, argv, async (args) => {
    args.noMorePositionals(0);
    if (!args.has('principal') && !args.has('resource-type')) throw args.usage('give at least --principal or --resource-type: an empty filter would delete every binding');
    const filter = filterFrom(args);
    const result = await withAdmin(kafkaFromArgs(args), (admin) => admin.deleteAcls({ filters: [filter] }));
    const response = result.filterResponses[0];
    if (response && response.errorCode !== 0) throw new KafkaJSNonRetriableError(`deleting ACLs failed: ${response.errorMessage ?? `error code ${response.errorCode}`}`);
    const rows = (response?.matchingAcls ?? []).map(bindingRow);
    printLines(rows.length > 0 ? ['deleted', ...formatTable(HEADER, rows)] : ['no ACL bindings matched']);
    return ExitCode.OK;
  });
}

/** `tskafka acls`. */
export const ACLS: SubcommandTable = {
  command: 'acls',
  summary: 'List, create and delete ACL bindings.',
  subcommands: {
    list: { summary: 'ACL bindings matching a filter.', run: list },
    create: { summary: CREATE.summary, run: create },
    delete: { summary: 'Delete the bindings matching a filter.', run: remove },
  },
};

/** Run `tskafka acls ...`; resolves to the exit code. */
export function aclsCommand(argv: readonly string[]): Promise<number> {
  return dispatch(ACLS, argv);
}
