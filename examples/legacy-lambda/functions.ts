/**
 * The legacy handler as a portable function: `fromLambda` wraps it unchanged, and Skyport
 * middleware (CORS, a time budget) is added around it. The same value then deploys to Lambda,
 * Azure, Google Cloud or a Node server through the entry files next to this one.
 */
import { fromLambda } from '@skyport/aws';
import { cors, timeout } from '@skyport/core';
import { handler } from './handler.js';

export const rates = fromLambda(handler, { kind: 'http', method: 'POST', path: '/rates' })
  .use(cors({ origin: ['https://shop.example'] }))
  .use(timeout({ marginMs: 500, ms: 5_000 }));
