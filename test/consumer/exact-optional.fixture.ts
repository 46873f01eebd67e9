/**
 * A consumer compiled with `exactOptionalPropertyTypes`, passing options read from the
 * environment (`string | undefined`) to every public options type. Checked by
 * `exact-optional.test.ts`; not part of the repository's own type check.
 */
import { HttpRequest, InvocationContext } from '@azure/functions';
import { toLambda } from '@skyport/aws';
import { cors, type HttpMethod, http, timeout } from '@skyport/core';
import { jwtAuth } from '@skyport/core/auth';
import { logger } from '@skyport/core/logger';
import { tracing } from '@skyport/core/tracing';
import { serve } from '@skyport/node';
import { aws, azure, gcp, httpRequest, invoke, scheduleTick } from '@skyport/testing';

const env = (name: string): string | undefined => process.env[name];
const number = (name: string): number | undefined => (env(name) === undefined ? undefined : Number(env(name)));

const fn = http({ method: 'GET', path: '/me', bodyLimit: number('BODY_LIMIT') })
  .use(cors({ origin: env('ORIGIN'), maxAge: number('CORS_MAX_AGE') }))
  .use(timeout({ ms: number('BUDGET_MS'), marginMs: number('MARGIN_MS') }))
  .use(logger({ gcpProject: env('GOOGLE_CLOUD_PROJECT') }))
  .use(tracing({ name: env('SPAN_NAME') }))
  .use(jwtAuth({ jwksUrl: 'https://issuer.example/jwks', issuer: env('ISSUER'), audience: env('AUDIENCE') }))
  .handle((_req, ctx) => ({ subject: ctx.auth.subject }));

export const handler = toLambda(fn);
export const server = () => serve({ fn }, { port: number('PORT'), host: env('HOST') });
export const test = () => invoke(fn, httpRequest({ path: '/me', headers: undefined }), { requestId: env('ID') });

// The test kit's Azure inits go into the library's own constructors as they are.
export const azureRequest = () =>
  new HttpRequest(azure.httpRequest({ method: 'POST', path: '/orders', body: { a: 1 } }));
export const azureContext = () =>
  new InvocationContext(azure.invocationContext({ invocationId: env('ID'), traceParent: env('TRACEPARENT') }));

// A definition read from configuration, every field possibly absent.
const config: { readonly method?: HttpMethod | undefined; readonly path?: string | undefined } = {
  method: env('METHOD') as HttpMethod | undefined,
  path: env('ROUTE'),
};
export const configured = http({ method: config.method, path: config.path }).handle(() => undefined);

// The test kit's factories take undefined for every option they leave out.
const date = (name: string): Date | undefined => (env(name) === undefined ? undefined : new Date(env(name) ?? ''));
const flag = (name: string): boolean | undefined => (env(name) === undefined ? undefined : env(name) === '1');
export const events = () => [
  scheduleTick({ name: env('SCHEDULE'), isPastDue: flag('PAST_DUE'), scheduledTime: env('TIME') }),
  aws.alb({ path: env('ROUTE'), multiValue: flag('MULTI') }),
  aws.sqs([{}], { queue: env('QUEUE') }),
  aws.scheduled({ name: env('SCHEDULE'), time: date('TIME'), scheduler: flag('SCHEDULER') }),
  aws.kinesis([{ partitionKey: env('KEY'), sequenceNumber: env('SEQ') }], { stream: env('STREAM') }),
  aws.dynamodb([{}], { table: env('TABLE') }),
  azure.cosmosDocuments([{ id: 'a' }], { time: env('TIME') }),
  gcp.pubsubPush({ deliveryAttempt: number('ATTEMPT') }),
  gcp.schedulerHttpHeaders({ jobName: env('JOB'), scheduleTime: env('TIME') }),
];
