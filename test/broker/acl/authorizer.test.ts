/**
 * The authorizer's decision, rule by rule, as Kafka's AclAuthorizer makes it:
 * a table of ACL sets and questions with the answer Kafka gives. Also KIP-679's
 * authorizeByResourceType, KIP-430's authorized operations, the filters of
 * DescribeAcls/DeleteAcls (MATCH, ANY, null), the bindings Kafka refuses to
 * create, the session's principal and host, and the broker configs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type AclBinding,
  type AclBindingFilter,
  AclOperation,
  AclPatternType,
  AclPermissionType,
  AclResourceType,
  filterMatches,
  newAclProblem,
} from '../../../src/broker/acl/acl-binding.js';
import { Authorizer, operationsBitField } from '../../../src/broker/acl/authorizer.js';
import { clientHostOf, principalOf } from '../../../src/broker/acl/request-authorization.js';
import { type AuthorizerConfig, BrokerConfigError, parseBrokerConfig } from '../../../src/broker/config.js';

const { TOPIC, GROUP, CLUSTER, TRANSACTIONAL_ID } = AclResourceType;
const { ALL, READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE } = AclOperation;
const { LITERAL, PREFIXED } = AclPatternType;
const { ALLOW, DENY } = AclPermissionType;

/** An ACL with defaults: ALLOW READ on TOPIC "orders" (LITERAL) for User:alice from any host. */
function acl(over: Partial<AclBinding>): AclBinding {
  return { resourceType: TOPIC, resourceName: 'orders', patternType: LITERAL, principal: 'User:alice', host: '*', operation: READ, permissionType: ALLOW, ...over };
}

async function authorizerWith(acls: readonly AclBinding[], config: Partial<AuthorizerConfig> = {}): Promise<Authorizer> {
  const authorizer = await Authorizer.open({ className: 'kafka.security.authorizer.AclAuthorizer', superUsers: [], allowEveryoneIfNoAclFound: false, ...config }, null);
  await authorizer.acls.create(acls);
  return authorizer;
}

interface Case {
  readonly rule: string;
  readonly acls: readonly AclBinding[];
  readonly config?: Partial<AuthorizerConfig>;
  /** Who asks: principal (default User:alice) and host (default 127.0.0.1). */
  readonly principal?: string;
  readonly host?: string;
  readonly operation: AclOperation;
  readonly resourceType?: AclResourceType;
  readonly resourceName?: string;
  readonly allowed: boolean;
}

const CASES: readonly Case[] = [
  // allow.everyone.if.no.acl.found
  { rule: 'no ACL on the resource and allow.everyone.if.no.acl.found=false (the default): refused', acls: [], operation: READ, allowed: false },
  { rule: 'no ACL on the resource and allow.everyone.if.no.acl.found=true: allowed', acls: [], config: { allowEveryoneIfNoAclFound: true }, operation: WRITE, allowed: true },
  {
    rule: 'allow.everyone.if.no.acl.found does not apply once any ACL names the resource, even for someone else',
    acls: [acl({ principal: 'User:bob' })],
    config: { allowEveryoneIfNoAclFound: true },
    operation: READ,
    allowed: false,
  },
  {
    rule: 'allow.everyone.if.no.acl.found: ACLs on other resources do not count',
    acls: [acl({ resourceName: 'payments' })],
    config: { allowEveryoneIfNoAclFound: true },
    operation: READ,
    allowed: true,
  },
  // super users
  { rule: 'a super user is allowed without any ACL', acls: [], config: { superUsers: ['User:admin'] }, principal: 'User:admin', operation: ALTER, resourceType: CLUSTER, resourceName: 'kafka-cluster', allowed: true },
  { rule: 'a super user is allowed despite a DENY on ALL for everyone', acls: [acl({ principal: 'User:*', operation: ALL, permissionType: DENY })], config: { superUsers: ['User:admin'] }, principal: 'User:admin', operation: READ, allowed: true },
  { rule: 'super.users matches the whole principal: User:admin is not User:administrator', acls: [], config: { superUsers: ['User:admin'] }, principal: 'User:administrator', operation: READ, allowed: false },
  // literal ALLOW
  { rule: 'a literal ALLOW permits its principal its operation', acls: [acl({})], operation: READ, allowed: true },
  { rule: 'a literal ALLOW does not permit another principal', acls: [acl({})], principal: 'User:bob', operation: READ, allowed: false },
  { rule: 'a literal ALLOW does not permit another operation', acls: [acl({})], operation: WRITE, allowed: false },
  { rule: 'a literal ALLOW does not permit another resource name', acls: [acl({})], operation: READ, resourceName: 'orders2', allowed: false },
  { rule: 'an ACL on a TOPIC does not apply to a GROUP of the same name', acls: [acl({})], operation: READ, resourceType: GROUP, allowed: false },
  { rule: 'a principal of another type (Group:alice) is not User:alice', acls: [acl({ principal: 'Group:alice' })], operation: READ, allowed: false },
  // DENY beats ALLOW
  {
    rule: 'DENY beats ALLOW: ALLOW ALL for everyone, DENY WRITE for alice refuses alice WRITE',
    acls: [acl({ principal: 'User:*', operation: ALL }), acl({ operation: WRITE, permissionType: DENY })],
    operation: WRITE,
    allowed: false,
  },
  {
    rule: 'DENY beats ALLOW only for its operation: the same ACLs allow alice READ',
    acls: [acl({ principal: 'User:*', operation: ALL }), acl({ operation: WRITE, permissionType: DENY })],
    operation: READ,
    allowed: true,
  },
  { rule: 'a DENY alone refuses', acls: [acl({ permissionType: DENY })], operation: READ, allowed: false },
  { rule: 'DENY ALL refuses every operation, DESCRIBE too', acls: [acl({ operation: ALL }), acl({ operation: ALL, permissionType: DENY })], operation: DESCRIBE, allowed: false },
  // implied operations
  ...([
    ['READ', READ],
    ['WRITE', WRITE],
    ['DELETE', DELETE],
    ['ALTER', ALTER],
  ] as const).map(([name, op]) => ({ rule: `DESCRIBE is implied by ALLOW ${name}`, acls: [acl({ operation: op })], operation: DESCRIBE, allowed: true })),
  { rule: 'DESCRIBE is not implied by CREATE', acls: [acl({ operation: CREATE })], operation: DESCRIBE, allowed: false },
  { rule: 'DESCRIBE is not implied by ALTER_CONFIGS', acls: [acl({ operation: ALTER_CONFIGS })], operation: DESCRIBE, allowed: false },
  { rule: 'DESCRIBE_CONFIGS is implied by ALLOW ALTER_CONFIGS', acls: [acl({ operation: ALTER_CONFIGS })], operation: DESCRIBE_CONFIGS, allowed: true },
  { rule: 'ALTER_CONFIGS is not implied by DESCRIBE_CONFIGS', acls: [acl({ operation: DESCRIBE_CONFIGS })], operation: ALTER_CONFIGS, allowed: false },
  { rule: 'READ is not implied by DESCRIBE (implication goes one way)', acls: [acl({ operation: DESCRIBE })], operation: READ, allowed: false },
  { rule: 'DESCRIBE_CONFIGS is not implied by READ', acls: [acl({ operation: READ })], operation: DESCRIBE_CONFIGS, allowed: false },
  {
    rule: 'a DENY READ does not deny DESCRIBE (implication applies to ALLOWs only)',
    acls: [acl({ operation: DESCRIBE }), acl({ operation: READ, permissionType: DENY })],
    operation: DESCRIBE,
    allowed: true,
  },
  {
    rule: 'an ALLOW READ cannot lend DESCRIBE past a DENY DESCRIBE',
    acls: [acl({ operation: READ }), acl({ operation: DESCRIBE, permissionType: DENY })],
    operation: DESCRIBE,
    allowed: false,
  },
  // ALL
  { rule: 'ALLOW ALL permits every operation (IDEMPOTENT_WRITE on the cluster)', acls: [acl({ resourceType: CLUSTER, resourceName: 'kafka-cluster', operation: ALL })], operation: IDEMPOTENT_WRITE, resourceType: CLUSTER, resourceName: 'kafka-cluster', allowed: true },
  // literal *
  { rule: 'a literal * resource name matches every topic', acls: [acl({ resourceName: '*' })], operation: READ, resourceName: 'anything.at-all', allowed: true },
  { rule: 'a literal * resource name does not reach another resource type', acls: [acl({ resourceName: '*' })], operation: READ, resourceType: GROUP, resourceName: 'g', allowed: false },
  { rule: 'a DENY on * beats an ALLOW on the name', acls: [acl({}), acl({ resourceName: '*', permissionType: DENY })], operation: READ, allowed: false },
  { rule: 'a resource literally named "*" is matched by the * ACL', acls: [acl({ resourceName: '*' })], operation: READ, resourceName: '*', allowed: true },
  // PREFIXED
  { rule: 'a PREFIXED pattern matches names starting with it', acls: [acl({ resourceName: 'orders-', patternType: PREFIXED })], operation: READ, resourceName: 'orders-eu', allowed: true },
  { rule: 'a PREFIXED pattern matches its own full name', acls: [acl({ resourceName: 'orders-', patternType: PREFIXED })], operation: READ, resourceName: 'orders-', allowed: true },
  { rule: 'a PREFIXED pattern does not match a shorter name', acls: [acl({ resourceName: 'orders-', patternType: PREFIXED })], operation: READ, resourceName: 'orders', allowed: false },
  { rule: 'a PREFIXED pattern is not a wildcard: "*" is a literal character there', acls: [acl({ resourceName: '*', patternType: PREFIXED })], operation: READ, resourceName: 'orders', allowed: false },
  {
    rule: 'a PREFIXED DENY beats a LITERAL ALLOW',
    acls: [acl({ resourceName: 'orders-eu' }), acl({ resourceName: 'orders-', patternType: PREFIXED, permissionType: DENY })],
    operation: READ,
    resourceName: 'orders-eu',
    allowed: false,
  },
  {
    rule: 'a LITERAL DENY beats a PREFIXED ALLOW for that name only',
    acls: [acl({ resourceName: 'orders-', patternType: PREFIXED }), acl({ resourceName: 'orders-secret', permissionType: DENY })],
    operation: READ,
    resourceName: 'orders-eu',
    allowed: true,
  },
  // principals and hosts
  { rule: 'User:* matches every user', acls: [acl({ principal: 'User:*' })], principal: 'User:carol', operation: READ, allowed: true },
  { rule: 'the principal of an unauthenticated connection is User:ANONYMOUS', acls: [acl({ principal: 'User:ANONYMOUS' })], principal: 'User:ANONYMOUS', operation: READ, allowed: true },
  { rule: 'an ACL for one host does not apply from another', acls: [acl({ host: '10.0.0.1' })], host: '127.0.0.1', operation: READ, allowed: false },
  { rule: 'an ACL for one host applies from it', acls: [acl({ host: '10.0.0.1' })], host: '10.0.0.1', operation: READ, allowed: true },
  { rule: 'a DENY from one host refuses only there', acls: [acl({}), acl({ host: '10.0.0.1', permissionType: DENY })], host: '127.0.0.1', operation: READ, allowed: true },
  // resource types
  { rule: 'WRITE on a TRANSACTIONAL_ID', acls: [acl({ resourceType: TRANSACTIONAL_ID, resourceName: 'tx-1', operation: WRITE })], operation: WRITE, resourceType: TRANSACTIONAL_ID, resourceName: 'tx-1', allowed: true },
  { rule: 'READ on a GROUP by prefix', acls: [acl({ resourceType: GROUP, resourceName: 'app-', patternType: PREFIXED })], operation: READ, resourceType: GROUP, resourceName: 'app-1', allowed: true },
];

describe("the authorizer decides as Kafka's AclAuthorizer", () => {
  for (const c of CASES) {
    it(`${c.rule}: ${c.allowed ? 'allowed' : 'refused'}`, async () => {
      const authorizer = await authorizerWith(c.acls, c.config);
      const answer = authorizer.authorize(c.principal ?? 'User:alice', c.host ?? '127.0.0.1', c.operation, c.resourceType ?? TOPIC, c.resourceName ?? 'orders');
      assert.equal(answer, c.allowed);
    });
  }

  it('refuses to decide about ANY or UNKNOWN operations and resource types (a caller bug)', async () => {
    const authorizer = await authorizerWith([]);
    assert.throws(() => authorizer.authorize('User:alice', '127.0.0.1', AclOperation.ANY, TOPIC, 'orders'), RangeError);
    assert.throws(() => authorizer.authorize('User:alice', '127.0.0.1', READ, AclResourceType.ANY, 'orders'), RangeError);
  });

  it('sees ACLs as soon as they are created and stops seeing them once deleted', async () => {
    const authorizer = await authorizerWith([]);
    assert.equal(authorizer.authorize('User:alice', '127.0.0.1', READ, TOPIC, 'orders'), false);
    await authorizer.acls.create([acl({})]);
    assert.equal(authorizer.authorize('User:alice', '127.0.0.1', READ, TOPIC, 'orders'), true);
    await authorizer.acls.delete([{ resourceType: TOPIC, resourceName: null, patternType: AclPatternType.ANY, principal: null, host: null, operation: AclOperation.ANY, permissionType: AclPermissionType.ANY }]);
    assert.equal(authorizer.authorize('User:alice', '127.0.0.1', READ, TOPIC, 'orders'), false);
  });
});

describe('authorizeByResourceType (KIP-679: may the principal do it on some resource of the type?)', () => {
  const cases: readonly { rule: string; acls: readonly AclBinding[]; config?: Partial<AuthorizerConfig>; allowed: boolean }[] = [
    { rule: 'no ACL at all: refused', acls: [], allowed: false },
    { rule: 'no ACL at all and allow.everyone.if.no.acl.found: allowed', acls: [], config: { allowEveryoneIfNoAclFound: true }, allowed: true },
    { rule: 'a super user: allowed despite a DENY on *', acls: [acl({ principal: 'User:*', resourceName: '*', operation: WRITE, permissionType: DENY })], config: { superUsers: ['User:alice'] }, allowed: true },
    { rule: 'an ALLOW WRITE on one literal topic: allowed', acls: [acl({ operation: WRITE })], allowed: true },
    { rule: 'an ALLOW WRITE by prefix: allowed', acls: [acl({ resourceName: 'orders-', patternType: PREFIXED, operation: WRITE })], allowed: true },
    { rule: 'an ALLOW ALL counts as WRITE', acls: [acl({ operation: ALL })], allowed: true },
    { rule: 'an ALLOW READ does not count for WRITE', acls: [acl({ operation: READ })], allowed: false },
    { rule: 'a literal ALLOW denied by the same literal DENY: refused', acls: [acl({ operation: WRITE }), acl({ operation: WRITE, permissionType: DENY })], allowed: false },
    { rule: 'a literal ALLOW under a prefixed DENY: refused', acls: [acl({ resourceName: 'orders-eu', operation: WRITE }), acl({ resourceName: 'orders', patternType: PREFIXED, operation: WRITE, permissionType: DENY })], allowed: false },
    { rule: 'a prefixed ALLOW under a shorter prefixed DENY: refused', acls: [acl({ resourceName: 'orders-', patternType: PREFIXED, operation: WRITE }), acl({ resourceName: 'o', patternType: PREFIXED, operation: WRITE, permissionType: DENY })], allowed: false },
    { rule: 'a prefixed ALLOW with a longer prefixed DENY inside it: allowed', acls: [acl({ resourceName: 'orders-', patternType: PREFIXED, operation: WRITE }), acl({ resourceName: 'orders-secret', patternType: PREFIXED, operation: WRITE, permissionType: DENY })], allowed: true },
    { rule: 'a DENY on the literal *: refused whatever is allowed', acls: [acl({ operation: WRITE }), acl({ resourceName: '*', operation: WRITE, permissionType: DENY })], allowed: false },
    { rule: 'an ALLOW for another principal does not count', acls: [acl({ principal: 'User:bob', operation: WRITE })], allowed: false },
  ];
  for (const c of cases) {
    it(`${c.rule}`, async () => {
      const authorizer = await authorizerWith(c.acls, c.config);
      assert.equal(authorizer.authorizeByResourceType('User:alice', '127.0.0.1', WRITE, TOPIC), c.allowed);
    });
  }
});

describe('authorized operations (KIP-430)', () => {
  it("is the bit field of the resource type's operations the principal may do, implied ones included", async () => {
    const authorizer = await authorizerWith([acl({ operation: READ }), acl({ operation: ALTER_CONFIGS })]);
    assert.equal(authorizer.authorizedOperations('User:alice', '127.0.0.1', TOPIC, 'orders'), operationsBitField([READ, DESCRIBE, ALTER_CONFIGS, DESCRIBE_CONFIGS]));
    assert.equal(authorizer.authorizedOperations('User:bob', '127.0.0.1', TOPIC, 'orders'), 0);
    assert.equal(operationsBitField([READ, DESCRIBE]), (1 << 3) | (1 << 8));
  });
});

describe('ACL filters (DescribeAcls, DeleteAcls)', () => {
  const ANY_FILTER: AclBindingFilter = { resourceType: AclResourceType.ANY, resourceName: null, patternType: AclPatternType.ANY, principal: null, host: null, operation: AclOperation.ANY, permissionType: AclPermissionType.ANY };
  const literal = acl({ resourceName: 'orders-eu' });
  const wildcard = acl({ resourceName: '*' });
  const prefixed = acl({ resourceName: 'orders-', patternType: PREFIXED });
  const other = acl({ resourceName: 'payments' });
  const all = [literal, wildcard, prefixed, other];
  const select = (f: Partial<AclBindingFilter>): AclBinding[] => all.filter((b) => filterMatches({ ...ANY_FILTER, ...f }, b));

  it('ANY and null select everything', () => assert.deepEqual(select({}), all));
  it('LITERAL with a name selects that literal pattern only (not *)', () => assert.deepEqual(select({ patternType: LITERAL, resourceName: 'orders-eu' }), [literal]));
  it('ANY with a name selects the patterns with exactly that name', () => assert.deepEqual(select({ resourceName: 'orders-' }), [prefixed]));
  it('MATCH with a name selects every pattern that applies to it: the literal, *, and prefixes of it', () => assert.deepEqual(select({ patternType: AclPatternType.MATCH, resourceName: 'orders-eu' }), [literal, wildcard, prefixed]));
  it('PREFIXED without a name selects the prefixed patterns', () => assert.deepEqual(select({ patternType: PREFIXED }), [prefixed]));
  it('the entry filter: principal, host, operation and permission must be equal unless null/ANY', () => {
    assert.deepEqual(select({ principal: 'User:bob' }), []);
    assert.deepEqual(select({ principal: 'User:alice', host: '*', operation: READ, permissionType: ALLOW }), all);
    assert.deepEqual(select({ operation: WRITE }), []);
    assert.deepEqual(select({ permissionType: DENY }), []);
  });
  it('a resource type selects that type only', () => assert.deepEqual(select({ resourceType: GROUP }), []));
});

describe('bindings Kafka refuses to create', () => {
  const cases: readonly [string, Partial<AclBinding>, RegExp][] = [
    ['a CLUSTER resource not named kafka-cluster', { resourceType: CLUSTER, resourceName: 'my-cluster' }, /The only valid name for the CLUSTER resource is kafka-cluster/],
    ['an empty resource name', { resourceName: '' }, /Invalid empty resource name/],
    ['resource type ANY', { resourceType: AclResourceType.ANY }, /Invalid resourceType ANY/],
    ['resource type UNKNOWN', { resourceType: AclResourceType.UNKNOWN }, /Invalid resourceType UNKNOWN/],
    ['pattern type MATCH', { patternType: AclPatternType.MATCH }, /Invalid patternType MATCH/],
    ['pattern type ANY', { patternType: AclPatternType.ANY }, /Invalid patternType ANY/],
    ['operation ANY', { operation: AclOperation.ANY }, /Invalid operation ANY/],
    ['permission type ANY', { permissionType: AclPermissionType.ANY }, /Invalid permissionType ANY/],
    ['a principal without a type', { principal: 'alice' }, /Could not parse principal from `alice`/],
  ];
  for (const [what, over, message] of cases) it(`refuses ${what}`, () => assert.match(newAclProblem(acl(over)) ?? '', message));
  it('accepts a PREFIXED DENY for User:* from one host', () => assert.equal(newAclProblem(acl({ patternType: PREFIXED, principal: 'User:*', host: '10.0.0.1', permissionType: DENY })), null));
});

describe("a request's principal and host", () => {
  it('is User:<SASL user>, or User:ANONYMOUS without SASL', () => {
    assert.equal(principalOf({ principal: 'alice' }), 'User:alice');
    assert.equal(principalOf({ principal: 'ANONYMOUS' }), 'User:ANONYMOUS');
  });
  it('is the client IP without the port; an IPv4-mapped IPv6 address is the IPv4 address', () => {
    assert.equal(clientHostOf({ clientAddress: '127.0.0.1:50123' }), '127.0.0.1');
    assert.equal(clientHostOf({ clientAddress: '::ffff:10.1.2.3:50123' }), '10.1.2.3');
    assert.equal(clientHostOf({ clientAddress: '::1:50123' }), '::1');
  });
});

describe('authorizer configs', () => {
  const parse = (props: Record<string, string>) => parseBrokerConfig(new Map(Object.entries(props)), { inMemory: true });

  it('is off without authorizer.class.name, or with it empty', () => {
    assert.equal(parse({}).authorizer, null);
    assert.equal(parse({ 'authorizer.class.name': '' }).authorizer, null);
  });
  it("is on with Kafka's AclAuthorizer or StandardAuthorizer, allow.everyone.if.no.acl.found false by default", () => {
    for (const className of ['kafka.security.authorizer.AclAuthorizer', 'org.apache.kafka.metadata.authorizer.StandardAuthorizer']) {
      assert.deepEqual(parse({ 'authorizer.class.name': className }).authorizer, { className, superUsers: [], allowEveryoneIfNoAclFound: false });
    }
  });
  it('reads super.users separated by ";" and allow.everyone.if.no.acl.found', () => {
    const config = parse({ 'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer', 'super.users': 'User:admin; User:ops;', 'allow.everyone.if.no.acl.found': 'true' });
    assert.deepEqual(config.authorizer, { className: 'kafka.security.authorizer.AclAuthorizer', superUsers: ['User:admin', 'User:ops'], allowEveryoneIfNoAclFound: true });
    assert.deepEqual(config.unknownKeys, []);
  });
  it('refuses another authorizer class, naming the accepted values', () => {
    assert.throws(() => parse({ 'authorizer.class.name': 'com.example.MyAuthorizer' }), (e: unknown) => e instanceof BrokerConfigError && e.key === 'authorizer.class.name' && /kafka\.security\.authorizer\.AclAuthorizer/.test(e.message));
  });
  it('refuses a super user without a principal type', () => {
    assert.throws(() => parse({ 'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer', 'super.users': 'admin' }), (e: unknown) => e instanceof BrokerConfigError && e.key === 'super.users');
  });
});
