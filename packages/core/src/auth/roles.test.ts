import { readFileSync } from 'node:fs';
import {
  type Cloud,
  createMessage,
  createMiddleware,
  type HttpRequestInit,
  http,
  type Kind,
  type Middleware,
  queue,
} from '@skyport/core';
import { collectLogs, httpRequest, invoke } from '@skyport/testing';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { type AuthContext, apiKeyAuth, cloudPrincipal, type Principal, requireRoles, requireScopes } from './index.js';
import { passedRoles, rolesOf } from './roles.js';

type Event = { headers: Record<string, string>; rawPath: string; requestContext: Record<string, unknown> };

function fixture(path: string): Event {
  return JSON.parse(readFileSync(new URL(`./__fixtures__/${path}`, import.meta.url), 'utf8')) as Event;
}

/** An API Gateway event whose authorizer verified the caller, as the AWS adapter hands it over. */
function withAuthorizer(authorizer: unknown, rest = false): HttpRequestInit {
  const event = rest
    ? fixture('aws/apigw-rest/powertools-ts__no-auth.json')
    : fixture('aws/apigw-http/aws-lambda-go__apigw-v2-request-jwt-authorizer.json');
  const raw = { ...event, requestContext: { ...event.requestContext, authorizer } };
  return { method: 'GET', path: '/', headers: event.headers, raw };
}

const onCloud = (cloud: Cloud) => ({ cloud });
const base64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');
/** An App Service `x-ms-client-principal` header. */
const easyAuth = (principal: unknown) => httpRequest({ headers: { 'x-ms-client-principal': base64(principal) } });

const whoami = http()
  .use(cloudPrincipal({ headers: ['azure-easy-auth', 'gcp-api-gateway'] }))
  .handle((_req, ctx) => ({ roles: ctx.auth.roles, claims: ctx.auth.claims }));
const adminsOnly = http()
  .use(cloudPrincipal({ headers: ['azure-easy-auth'] }))
  .use(requireRoles('admin'))
  .handle(() => 'secret');

describe('rolesOf: the role claims of each identity provider', () => {
  it('reads Entra ID app roles, also of app-only tokens', () => {
    const appOnly = { aud: 'api://orders', azp: 'c1', idtyp: 'app', oid: 'o1', roles: ['Orders.ReadWrite.All'] };
    expect(rolesOf(appOnly)).toEqual(['Orders.ReadWrite.All']);
  });

  it('reads Auth0 RBAC permissions, Cognito groups, Okta groups and Keycloak realm roles', () => {
    expect(rolesOf({ sub: 'auth0|1', permissions: ['read:orders', 'write:orders'] })).toEqual([
      'read:orders',
      'write:orders',
    ]);
    expect(rolesOf({ sub: 'c', 'cognito:groups': ['admin', 'poweruser'] })).toEqual(['admin', 'poweruser']);
    expect(rolesOf({ sub: 'o', groups: ['Everyone', 'Admins'] })).toEqual(['Everyone', 'Admins']);
    const keycloak = {
      sub: 'k',
      realm_access: { roles: ['offline_access', 'admin'] },
      resource_access: { account: { roles: ['manage-account'] } },
    };
    expect(rolesOf(keycloak)).toEqual(['offline_access', 'admin']);
  });

  it('reads the claims in order, each role once, and a string as one whole role', () => {
    const claims = {
      permissions: ['p', 'r'],
      realm_access: { roles: ['k'] },
      'cognito:groups': 'c',
      groups: ['g', 'r'],
      roles: ['r'],
    };
    expect(rolesOf(claims)).toEqual(['r', 'g', 'c', 'p', 'k']);
    expect(rolesOf({ roles: 'admin' })).toEqual(['admin']);
    // Text a gateway made of a list is one role until it is read as a list: it matches nothing by accident.
    expect(rolesOf({ roles: '[superadmin]' })).toEqual(['[superadmin]']);
    expect(rolesOf({ roles: [1, '', null, 'a'], realm_access: ['admin'], permissions: { admin: true } })).toEqual([
      'a',
    ]);
  });

  it('reads the platform role claims it is told of after the others', () => {
    expect(rolesOf({ roles: ['a'], userRoles: ['authenticated', 'a'] }, ['userRoles'])).toEqual(['a', 'authenticated']);
  });
});

describe('passedRoles: the roles of list claims in the form the platform passed them, claims untouched', () => {
  it('reads the HTTP API form "[a b]", and leaves the claims as they were', () => {
    const claims = { sub: 'u', scope: 'a b', 'cognito:groups': '[admin poweruser]', roles: '[]', groups: 'one' };
    const sent = structuredClone(claims);
    expect(passedRoles(claims, 'http-api')).toEqual(['one', 'admin', 'poweruser']);
    expect(claims).toEqual(sent);
  });

  it('reads the REST API forms "a,b" and "[a b]"', () => {
    expect(passedRoles({ 'cognito:groups': 'admin,staging-manager' }, 'rest-api')).toEqual([
      'admin',
      'staging-manager',
    ]);
    expect(passedRoles({ 'cognito:groups': '[admin staff]' }, 'rest-api')).toEqual(['admin', 'staff']);
  });

  it('reads App Service claims, a string for one value and a list for several, and never splits a value', () => {
    expect(passedRoles({ roles: 'Admin' }, 'easy-auth')).toEqual(['Admin']);
    expect(passedRoles({ roles: ['Admin', 'Reader'] }, 'easy-auth')).toEqual(['Admin', 'Reader']);
    expect(passedRoles({ roles: '[a b]', typ: 'x' }, 'easy-auth', ['typ'])).toEqual(['[a b]', 'x']);
  });
});

describe('cloudPrincipal roles', () => {
  it('reads the groups of a Cognito token through an HTTP API JWT authorizer as a list', async () => {
    // Prepare: API Gateway passes the token's list claims as "[a b]" text.
    const claims = {
      client_id: '5kek0i61pgkokoob4fsm9fo9it',
      iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_HblcSIjTD',
      scope: 'orders/read',
      sub: '6418b458',
      token_use: 'access',
      'cognito:groups': '[admin poweruser]',
    };

    // Act
    const res = await invoke(whoami, withAuthorizer({ jwt: { claims, scopes: null } }), onCloud('aws'));

    // Assert
    expect(res.body).toEqual({ roles: ['admin', 'poweruser'], claims });
  });

  it('reads the app roles of an Entra ID token through an HTTP API JWT authorizer', async () => {
    const claims = {
      aud: 'api://orders',
      scp: 'Orders.Read',
      roles: '[Orders.ReadWrite.All Admin]',
      oid: 'o1',
      sub: 's1',
    };
    const res = await invoke(whoami, withAuthorizer({ jwt: { claims, scopes: null } }), onCloud('aws'));
    expect(res.body).toEqual({ roles: ['Orders.ReadWrite.All', 'Admin'], claims });
  });

  it('reads the groups of a REST API Cognito authorizer, joined with commas, and payload 1.0 in brackets', async () => {
    const several = { claims: { sub: 'u1', 'cognito:groups': 'admin,staging-manager', token_use: 'id' } };
    const one = { claims: { sub: 'u1', 'cognito:groups': 'team_manager' } };
    const payload1 = { claims: { sub: 'u1', 'cognito:groups': '[admin staff]' }, scopes: null };
    const results = await Promise.all(
      [withAuthorizer(several, true), withAuthorizer(one, true), withAuthorizer(payload1)].map((req) =>
        invoke(whoami, req, onCloud('aws')),
      ),
    );
    expect(results.map((res) => res.body)).toEqual([
      { roles: ['admin', 'staging-manager'], claims: several.claims },
      { roles: ['team_manager'], claims: one.claims },
      { roles: ['admin', 'staff'], claims: payload1.claims },
    ]);
  });

  it('leaves claims as the platform sent them, for code that reads them so, while roles are lists', async () => {
    // Prepare: a handler that reads claims in the platform's own form
    const groupsText = http()
      .use(cloudPrincipal())
      .handle((_req, ctx) => ({
        groups: (ctx.auth.claims['cognito:groups'] as string).replace(/^\[|\]$/g, '').split(' '),
        roles: ctx.auth.roles,
      }));
    const isAdmin = http()
      .use(cloudPrincipal({ headers: ['azure-easy-auth'] }))
      .handle((_req, ctx) => ({ isAdmin: ctx.auth.claims.roles === 'admin', roles: ctx.auth.roles }));
    const httpApi = withAuthorizer({
      jwt: { claims: { sub: 'u', 'cognito:groups': '[admin poweruser]' }, scopes: null },
    });
    const appService = easyAuth({
      auth_typ: 'aad',
      name_typ: 'name',
      role_typ: 'roles',
      claims: [
        { typ: 'roles', val: 'admin' },
        { typ: 'oid', val: 'o1' },
      ],
    });

    // Act
    const aws = await invoke(groupsText, httpApi, onCloud('aws'));
    const azure = await invoke(isAdmin, appService, onCloud('azure'));

    // Assert
    expect([aws.status, aws.body]).toEqual([200, { groups: ['admin', 'poweruser'], roles: ['admin', 'poweruser'] }]);
    expect([azure.status, azure.body]).toEqual([200, { isAdmin: true, roles: ['admin'] }]);
  });

  it('reads roles of a Lambda authorizer context as a list, or a string as one role', async () => {
    const viaHttpApi = await invoke(
      whoami,
      withAuthorizer({ lambda: { principalId: 'u', roles: ['admin', 'auditor'] } }),
      onCloud('aws'),
    );
    const viaRest = await invoke(whoami, withAuthorizer({ principalId: 'u', roles: 'admin' }, true), onCloud('aws'));
    expect(viaHttpApi.body).toMatchObject({ roles: ['admin', 'auditor'] });
    expect(viaRest.body).toMatchObject({ roles: ['admin'] });
  });

  it('compares whole roles: "[superadmin]" or "[not-an-admin readers]" is not admin', async () => {
    const asGroups = (groups: string) => withAuthorizer({ jwt: { claims: { sub: 'u', 'cognito:groups': groups } } });
    const statuses = [];
    for (const groups of ['[admin]', '[superadmin]', '[not-an-admin readers]', '[readers admin]']) {
      statuses.push((await invoke(adminsOnly, asGroups(groups), onCloud('aws'))).status);
    }
    expect(statuses).toEqual([200, 403, 403, 200]);
  });

  it('reads App Service roles, one (a string) or several (a list), and the claim role_typ names', async () => {
    // Prepare
    const principal = (roles: string[], typ = 'roles') => ({
      auth_typ: 'aad',
      claims: [
        { typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: 'oid-1' },
        ...roles.map((val) => ({ typ, val })),
      ],
      name_typ: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name',
      role_typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role',
    });
    const roleUri = 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role';

    // Act
    const one = await invoke(whoami, easyAuth(principal(['admin'])), onCloud('azure'));
    const several = await invoke(whoami, easyAuth(principal(['admin', 'reader'])), onCloud('azure'));
    const byRoleTyp = await invoke(whoami, easyAuth(principal(['auditor'], roleUri)), onCloud('azure'));
    const statuses = [];
    for (const roles of [['admin'], ['superadmin'], ['superadmin', 'reader'], ['not-admin'], ['reader', 'admin']]) {
      statuses.push((await invoke(adminsOnly, easyAuth(principal(roles)), onCloud('azure'))).status);
    }

    // Assert
    // Claims as App Service sent them: a string for one value, a list for several.
    expect(one.body).toMatchObject({ roles: ['admin'], claims: { roles: 'admin' } });
    expect(several.body).toMatchObject({ roles: ['admin', 'reader'], claims: { roles: ['admin', 'reader'] } });
    expect(byRoleTyp.body).toMatchObject({ roles: ['auditor'], claims: { [roleUri]: 'auditor' } });
    expect(statuses).toEqual([200, 403, 403, 403, 200]);
  });

  it('reads the userRoles of Static Web Apps', async () => {
    const swa = {
      identityProvider: 'github',
      userId: 'swa-1',
      userDetails: 'octo',
      userRoles: ['anonymous', 'authenticated', 'admin'],
    };
    const res = await invoke(whoami, easyAuth(swa), onCloud('azure'));
    expect(res.body).toMatchObject({ roles: ['anonymous', 'authenticated', 'admin'] });
  });

  it('reads the role claims of GCP API Gateway user info', async () => {
    const userinfo = Buffer.from(JSON.stringify({ sub: 'g', permissions: ['read:orders'] })).toString('base64url');
    const res = await invoke(
      whoami,
      httpRequest({ headers: { 'x-apigateway-api-userinfo': userinfo } }),
      onCloud('gcp'),
    );
    expect(res.body).toMatchObject({ roles: ['read:orders'] });
  });

  it('gives an IAM caller no roles', async () => {
    const event = fixture('aws/apigw-http/aws-lambda-go__apigw-v2-request-iam.json');
    const { cognitoIdentity: _none, ...iam } = (event.requestContext.authorizer as { iam: Record<string, unknown> })
      .iam;
    const signed = { ...event, requestContext: { ...event.requestContext, authorizer: { iam } } };
    const res = await invoke(whoami, { method: 'GET', path: '/', headers: {}, raw: signed }, onCloud('aws'));
    expect(res.body).toMatchObject({ roles: [] });
  });
});

describe('apiKeyAuth roles', () => {
  it('has none for a listed key, and those verify gives', async () => {
    const listed = http()
      .use(apiKeyAuth({ keys: ['k1'] }))
      .handle((_req, ctx) => ctx.auth.roles);
    const verified = http()
      .use(apiKeyAuth({ verify: (key) => key === 'k2' && { subject: 'p', roles: ['ingest', 'ingest'] } }))
      .use(requireRoles('ingest'))
      .handle((_req, ctx) => ctx.auth.roles);
    const fromPlainJs = http()
      .use(apiKeyAuth({ verify: () => ({ subject: 'p', roles: 'ab' as unknown as string[] }) }))
      .use(requireRoles('a'))
      .handle(() => 'in');
    expect((await invoke(listed, httpRequest({ headers: { 'x-api-key': 'k1' } }))).body).toEqual([]);
    expect((await invoke(verified, httpRequest({ headers: { 'x-api-key': 'k2' } }))).body).toEqual(['ingest']);
    expect((await invoke(fromPlainJs, httpRequest({ headers: { 'x-api-key': 'k' } }))).status).toBe(403);
  });
});

describe('requireRoles', () => {
  const app = http()
    .use(apiKeyAuth({ verify: (key) => ({ subject: key, roles: key.split('+') }) }))
    .use(requireRoles('admin', 'Orders Manager'))
    .handle(() => 'in');

  it('answers 403 INSUFFICIENT_ROLE naming the roles missing, with no challenge, and logs it at info', async () => {
    // Prepare
    const logs = collectLogs();
    try {
      // Act
      const both = await invoke(app, httpRequest({ headers: { 'x-api-key': 'admin+Orders Manager+x' } }));
      const one = await invoke(app, httpRequest({ headers: { 'x-api-key': 'admin' } }));
      const caseDiffers = await invoke(app, httpRequest({ headers: { 'x-api-key': 'Admin+Orders Manager' } }));

      // Assert
      expect(both.text).toBe('in');
      expect(one.status).toBe(403);
      expect(one.headers['www-authenticate']).toBeUndefined();
      expect(one.body).toMatchObject({
        status: 403,
        code: 'INSUFFICIENT_ROLE',
        detail: 'missing role: Orders Manager',
      });
      expect(caseDiffers.body).toMatchObject({ code: 'INSUFFICIENT_ROLE', detail: 'missing role: admin' });
      expect(logs.lines).toMatchObject([
        { auth: 'api-key', reason: 'insufficient-role', missing: ['Orders Manager'] },
        { auth: 'api-key', reason: 'insufficient-role', missing: ['admin'] },
      ]);
    } finally {
      logs.restore();
    }
  });

  it('refuses roles that are empty, not strings or padded with spaces, when defined', () => {
    for (const bad of [[''], ['admin', ' '], [' admin'], [42], [undefined]]) {
      expect(() => requireRoles(...(bad as string[]))).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION' }));
    }
    expect(() => requireRoles()).not.toThrow();
    expect(() => requireRoles('Orders Manager')).not.toThrow();
  });

  it('reads roles a principal built in plain JS holds as a string as one role', async () => {
    const fromPlainJs = createMiddleware<'http', AuthContext>({
      name: 'plainJs',
      kinds: ['http'],
      handle: (_req, _ctx, next) =>
        next({ auth: { subject: 's', claims: {}, scopes: [], roles: 'nimda' as unknown as string[], source: 'jwt' } }),
    });
    const guarded = (role: string) =>
      http()
        .use(fromPlainJs)
        .use(requireRoles(role))
        .handle(() => 'in');
    expect((await invoke(guarded('a'), httpRequest())).status).toBe(403);
    expect((await invoke(guarded('nimda'), httpRequest())).text).toBe('in');
  });

  it('is typed like requireScopes: any kind, only after an auth middleware', async () => {
    expectTypeOf(requireRoles('a')).toEqualTypeOf<Middleware<Kind, {}, AuthContext>>();
    expectTypeOf(requireRoles('a')).toEqualTypeOf(requireScopes('a'));
    http()
      .use(cloudPrincipal())
      .use(requireRoles('admin'))
      .handle((_req, ctx) => {
        expectTypeOf(ctx.auth).toEqualTypeOf<Principal>();
        expectTypeOf(ctx.auth.roles).toEqualTypeOf<readonly string[]>();
      });
    // @ts-expect-error requireRoles needs an earlier auth middleware
    http().use(requireRoles('admin'));

    const fromAttributes = createMiddleware<'queue', AuthContext>({
      name: 'messageAuth',
      kinds: ['queue'],
      handle: (msg, _ctx, next) =>
        next({
          auth: {
            subject: msg.attributes.sender,
            claims: {},
            scopes: [],
            roles: (msg.attributes.roles ?? '').split(','),
            source: 'api-key',
          },
        }),
    });
    const fn = queue({ name: 'jobs' })
      .use(fromAttributes)
      .use(requireRoles('operator'))
      .handle(() => undefined);
    const ok = await invoke(
      fn,
      createMessage({ id: 'm1', body: '{}', source: 'jobs', attributes: { roles: 'operator' } }),
    );
    const denied = await invoke(
      fn,
      createMessage({ id: 'm2', body: '{}', source: 'jobs', attributes: { roles: 'op' } }),
    );
    expect(ok.ok).toBe(true);
    expect(denied.failures.map((f) => f.id)).toEqual(['m2']);
  });
});
