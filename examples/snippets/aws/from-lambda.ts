/** The `fromLambda` migration of docs/aws.md: a legacy handler wrapped, given middleware, deployed again. */
import { fromLambda, toLambda } from '@skyport/aws';
import { cors, timeout } from '@skyport/core';
import { handler as legacy } from './legacy-api.js'; // async (event, context) => ({ statusCode, ... })

export const api = fromLambda(legacy, { kind: 'http' })
  .use(cors())
  .use(timeout({ marginMs: 500 }));
export const handler = toLambda(api);
