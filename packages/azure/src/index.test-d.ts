/** Type-level tests: the types of the exported building blocks' parameters and results are exported by name. */
import { expectTypeOf } from 'vitest';
import {
  type AzureContextInit,
  createAzureContext,
  createInvocationLogger,
  fromAzureRequest,
  type HttpMapping,
  type InvocationLog,
  parseFunctionTimeout,
  type TimeoutMs,
} from './index.js';

expectTypeOf(createAzureContext).parameter(1).toEqualTypeOf<AzureContextInit>();
expectTypeOf(parseFunctionTimeout).returns.toEqualTypeOf<TimeoutMs>();
expectTypeOf(fromAzureRequest).parameter(1).toEqualTypeOf<HttpMapping>();
expectTypeOf(createInvocationLogger).parameter(0).toEqualTypeOf<InvocationLog>();
