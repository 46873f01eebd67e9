/** Type-level tests: the types of `http()`'s parameter and result are imported by name from the entry point. */
import { expectTypeOf } from 'vitest';
import { z } from 'zod';
import {
  type FunctionBuilder,
  type HttpBuilder,
  type HttpDefinition,
  http,
  type PathParamsSchema,
  type TypedHttpRequest,
} from './index.js';

const Params = z.object({ id: z.string() });
type ParamsSchema = typeof Params;

const definition = {
  method: 'GET',
  path: '/orders/:id',
  params: Params,
} satisfies HttpDefinition<undefined, undefined, ParamsSchema, undefined, undefined, '/orders/:id', ParamsSchema>;
const orders: HttpBuilder<undefined, undefined, ParamsSchema, undefined, undefined, '/orders/:id'> = http(definition);

expectTypeOf(http(definition)).toEqualTypeOf<
  HttpBuilder<undefined, undefined, ParamsSchema, undefined, undefined, '/orders/:id'>
>();
expectTypeOf(orders).toExtend<
  FunctionBuilder<
    'http',
    TypedHttpRequest<undefined, undefined, ParamsSchema, undefined, '/orders/:id'>,
    unknown,
    unknown
  >
>();
orders.handle((req) => {
  expectTypeOf(req.params.id).toEqualTypeOf<string>();
});

const byPath: PathParamsSchema<'/items/:id'> = Params;
// @ts-expect-error: the schema lacks the path's parameter
const missing: PathParamsSchema<'/items/:sku'> = Params;
void [byPath, missing];
