/**
 * Type-level tests: a headers, query or params schema that also takes keys it does not name (zod
 * `z.looseObject()`, `.catchall()`, `.passthrough()`, valibot `v.looseObject()`,
 * `v.objectWithRest()`, arktype `'[string]'`) is checked for the keys it does name as a plain
 * object schema is, and for the values its other keys take: one that would answer every request
 * with a 422 does not compile, and one that fits the request keeps its inferred types.
 */
import { type } from 'arktype';
import * as v from 'valibot';
import { expectTypeOf } from 'vitest';
import { z } from 'zod';
import { type HeadersSchemaFor, http, type ParamsSchemaFor, type QuerySchemaFor } from './index.js';

// Headers: the names a schema declares are checked for lower case, and every value for a string.
http({ headers: z.looseObject({ 'x-tenant': z.string() }) }).handle((req) => {
  expectTypeOf(req.headers['x-tenant']).toEqualTypeOf<string>();
  expectTypeOf(req.headers).toEqualTypeOf<{ [k: string]: unknown; 'x-tenant': string }>();
});
http({ headers: z.object({ 'x-count': z.coerce.number() }).catchall(z.string()) }).handle((req) => {
  expectTypeOf(req.headers['x-count']).toEqualTypeOf<number>();
});
http({ headers: z.object({ 'x-tenant': z.string().optional() }).passthrough() });
http({ headers: v.looseObject({ 'x-tenant': v.string() }) });
http({ headers: v.objectWithRest({ 'x-tenant': v.string() }, v.string()) });
http({ headers: type({ 'x-tenant': 'string', '[string]': 'string' }) });
// @ts-expect-error: 'X-Tenant' never matches; the request has 'x-tenant'
http({ path: '/h', headers: z.looseObject({ 'X-Tenant': z.string() }) });
// @ts-expect-error: nor with .catchall()
http({ headers: z.object({ 'X-Tenant': z.string() }).catchall(z.string()) });
// @ts-expect-error: nor with .passthrough()
http({ headers: z.object({ 'X-Tenant': z.string() }).passthrough() });
// @ts-expect-error: nor with valibot
http({ headers: v.looseObject({ 'X-Tenant': v.string() }) });
// @ts-expect-error: nor with arktype
http({ headers: type({ 'X-Tenant': 'string', '[string]': 'string' }) });
// @ts-expect-error: a header value is never a number
http({ headers: z.looseObject({ 'x-count': z.number() }) });
// @ts-expect-error: nor with valibot
http({ headers: v.objectWithRest({ 'x-count': v.number() }, v.string()) });
// @ts-expect-error: nor with arktype
http({ headers: type({ 'x-count': 'number', '[string]': 'string' }) });
// @ts-expect-error: every other header is a string too
http({ headers: z.object({ 'x-tenant': z.string() }).catchall(z.number()) });
// @ts-expect-error: the same with valibot
http({ headers: v.objectWithRest({ 'x-tenant': v.string() }, v.number()) });
// @ts-expect-error: the same with arktype
http({ headers: type({ 'x-tenant': 'string', '[string]': 'number' }) });

// Query: every value a schema takes, named or not, must take a string.
http({ query: z.looseObject({ page: z.coerce.number().optional() }) }).handle((req) => {
  expectTypeOf(req.query.page).toEqualTypeOf<number | undefined>();
});
http({ query: z.object({ sort: z.enum(['asc', 'desc']) }).catchall(z.string()) }).handle((req) => {
  expectTypeOf(req.query.sort).toEqualTypeOf<'asc' | 'desc'>();
});
http({ query: v.looseObject({ page: v.string() }) });
http({ query: v.objectWithRest({ page: v.optional(v.string()) }, v.string()) });
http({ query: type({ 'page?': 'string.integer.parse', '[string]': 'string' }) });
// @ts-expect-error: a query value is never a number
http({ path: '/q', query: z.looseObject({ page: z.number() }) });
// @ts-expect-error: nor a list
http({ query: z.looseObject({ tags: z.array(z.string()) }) });
// @ts-expect-error: nor with .catchall()
http({ query: z.object({ page: z.number() }).catchall(z.string()) });
// @ts-expect-error: nor with .passthrough()
http({ query: z.object({ page: z.number() }).passthrough() });
// @ts-expect-error: nor with valibot
http({ path: '/q', query: v.looseObject({ page: v.number() }) });
// @ts-expect-error: nor with valibot's objectWithRest
http({ query: v.objectWithRest({ tags: v.array(v.string()) }, v.string()) });
// @ts-expect-error: nor with arktype
http({ query: type({ page: 'number', '[string]': 'string' }) });
// @ts-expect-error: every other query value is a string too
http({ query: z.object({ sort: z.string() }).catchall(z.number()) });
// @ts-expect-error: the same with valibot
http({ query: v.objectWithRest({ sort: v.string() }, v.array(v.string())) });

// Params: a loose schema takes every parameter, but may require none the path does not bind.
http({ path: '/items/:id', params: z.looseObject({ id: z.string() }) }).handle((req) => {
  expectTypeOf(req.params.id).toEqualTypeOf<string>();
});
http({ path: '/items/:id', params: z.looseObject({ id: z.coerce.number(), rev: z.string().optional() }) }).handle(
  (req) => {
    expectTypeOf(req.params.id).toEqualTypeOf<number>();
    expectTypeOf(req.params.rev).toEqualTypeOf<string | undefined>();
  },
);
http({ path: '/items/:id', params: z.looseObject({}) });
http({ path: '/items/:id', params: z.object({ id: z.string() }).catchall(z.string()) });
http({ path: '/items/:id', params: v.looseObject({ id: v.string() }) });
http({ path: '/items/:id', params: v.objectWithRest({ id: v.string() }, v.string()) });
http({ path: '/items/:id', params: type({ id: 'string', '[string]': 'string' }) });
// @ts-expect-error: userId is required, and the path binds id: every request would be a 422
http({ path: '/items/:id', params: z.looseObject({ userId: z.string() }) });
// @ts-expect-error: orgId is required, and no request binds it
http({ path: '/users/:id', params: z.looseObject({ id: z.string(), orgId: z.string() }) });
// @ts-expect-error: nor with .passthrough()
http({ path: '/users/:id', params: z.object({ id: z.string(), orgId: z.string() }).passthrough() });
// @ts-expect-error: nor when every value, the rest included, is a string
http({ path: '/users/:id', params: z.object({ id: z.string(), orgId: z.string() }).catchall(z.string()) });
// @ts-expect-error: nor with valibot's objectWithRest of strings
http({ path: '/users/:id', params: v.objectWithRest({ id: v.string(), orgId: v.string() }, v.string()) });
// @ts-expect-error: a path parameter is never a number
http({ path: '/items/:id', params: z.looseObject({ id: z.number() }) });
// @ts-expect-error: nor with valibot
http({ path: '/items/:id', params: v.looseObject({ userId: v.string() }) });
// @ts-expect-error: nor with arktype
http({ path: '/items/:id', params: type({ userId: 'string', '[string]': 'string' }) });

// The refusals name what to fix, as for plain object schemas.
const capitals = z.looseObject({ 'X-Tenant': z.string(), 'X-Trace': z.string(), accept: z.string() });
expectTypeOf<HeadersSchemaFor<typeof capitals>>().toEqualTypeOf<{
  readonly 'header names in a headers schema must be lower case': 'X-Tenant' | 'X-Trace';
}>();
const countHeader = z.looseObject({ 'x-count': z.number() });
expectTypeOf<HeadersSchemaFor<typeof countHeader>>().toEqualTypeOf<{
  readonly 'header values are strings: a headers schema must take one for': 'x-count';
}>();
const numberHeaders = z.object({ 'x-tenant': z.string() }).catchall(z.number());
expectTypeOf<HeadersSchemaFor<typeof numberHeaders>>().toEqualTypeOf<{
  readonly 'header values are strings: a headers schema must take one for': string;
}>();
const pageQuery = v.looseObject({ page: v.number(), tags: v.array(v.string()), sort: v.string() });
expectTypeOf<QuerySchemaFor<typeof pageQuery>>().toEqualTypeOf<{
  readonly 'query values are strings: a query schema must take one for': 'page' | 'tags';
}>();
const userIdParams = z.looseObject({ userId: z.string(), note: z.string().optional() });
expectTypeOf<ParamsSchemaFor<typeof userIdParams, '/items/:id'>>().toEqualTypeOf<{
  readonly 'a params schema may require only parameters of the path, not': 'userId';
}>();
const orgIdParams = v.objectWithRest({ id: v.string(), orgId: v.string() }, v.string());
expectTypeOf<ParamsSchemaFor<typeof orgIdParams, '/users/:id'>>().toEqualTypeOf<{
  readonly 'a params schema may require only parameters of the path, not': 'orgId';
}>();
