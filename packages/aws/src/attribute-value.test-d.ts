/** Type-level tests: the type of what `marshall()` and `marshallValue()` return is imported by name. */
import { expectTypeOf } from 'vitest';
import { type AttributeValue, marshall, marshallValue } from './index.js';

const item: Record<string, AttributeValue> = marshall({ id: 'o-1', total: 12 });
const value: AttributeValue = marshallValue([1, 'a']);

expectTypeOf(marshall).returns.toEqualTypeOf<Record<string, AttributeValue>>();
expectTypeOf(marshallValue).returns.toEqualTypeOf<AttributeValue>();
expectTypeOf(item.id).toEqualTypeOf<AttributeValue | undefined>();
expectTypeOf(value).toExtend<Readonly<Record<string, unknown>>>();
