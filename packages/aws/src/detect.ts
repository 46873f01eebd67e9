/**
 * Event source detection: which AWS service sent an event, from its shape alone. Cheap checks
 * come first so the HTTP API path (the hot one) costs a few property reads.
 */
import type { AwsSource } from './types.js';
import { type Obj, obj, str } from './util.js';

const recordSources: Readonly<Record<string, AwsSource>> = {
  'aws:sqs': 'sqs',
  'aws:sns': 'sns',
  'aws:s3': 's3',
  'aws:kinesis': 'kinesis',
  'aws:dynamodb': 'dynamodb',
};

/**
 * Tells which source sent one record of a `Records` batch (`sqs`, `sns`, `s3`, `kinesis`,
 * `dynamodb`, or `unknown`).
 *
 * @example
 * detectAwsRecord({ eventSource: 'aws:kinesis', kinesis: {} }); // 'kinesis'
 */
export function detectAwsRecord(record: unknown): AwsSource {
  const r = obj(record);
  if (!r) return 'unknown';
  const source = str(r.eventSource) ?? str(r.EventSource);
  if (source !== undefined && Object.hasOwn(recordSources, source)) return recordSources[source] as AwsSource;
  // Records built by hand (tests, replays) sometimes omit eventSource; the payload key still tells.
  // (A Kinesis record from EventBridge Pipes has no `kinesis` key, but always its eventSource.)
  if (obj(r.Sns)) return 'sns';
  if (obj(r.s3)) return 's3';
  if (obj(r.kinesis)) return 'kinesis';
  if (obj(r.dynamodb)) return 'dynamodb';
  if (typeof r.messageId === 'string' && typeof r.receiptHandle === 'string') return 'sqs';
  return 'unknown';
}

/** The sources whose records EventBridge Pipes hands a Lambda target, as a bare array. */
const pipeSources: readonly AwsSource[] = ['sqs', 'kinesis', 'dynamodb'];

/**
 * The batch of an EventBridge pipe as a `Records` event, or `undefined` when `event` is not one.
 * A pipe sends a Lambda target its source's records as a bare JSON array (even one record),
 * with no `Records` key; every record must be of one type (SQS, Kinesis or DynamoDB Streams). Kinesis records arrive flattened (no `kinesis` key), and are kept as sent.
 *
 * @example
 * pipesBatch([{ eventSource: 'aws:sqs', messageId: 'm1', body: '{}' }]); // { Records: [...] }
 */
export function pipesBatch(event: unknown): Obj | undefined {
  if (!Array.isArray(event) || event.length === 0) return undefined;
  const source = detectAwsRecord(event[0]);
  if (!pipeSources.includes(source)) return undefined;
  for (const record of event) if (detectAwsRecord(record) !== source) return undefined;
  return { Records: event };
}

/**
 * Whether an event with a `requestContext` is a `REQUEST` authorizer's: a REST one (`methodArn`)
 * or an HTTP API one, whose payload 2.0 looks like an HTTP API request but for `type` and
 * `routeArn` (one property read for a request, which has no `type`).
 */
function isRequestAuthorizer(e: Obj): boolean {
  return e.type === 'REQUEST' && (typeof e.methodArn === 'string' || typeof e.routeArn === 'string');
}

/**
 * Whether `event` is an HTTP API 2.0 or Function URL event: the first test of `detectAwsEvent`,
 * alone, for the HTTP handler, which maps both alike.
 *
 * @example
 * isHttpApi({ rawPath: '/', requestContext: { http: { method: 'GET' } } }); // true
 */
export function isHttpApi(event: unknown): boolean {
  const rc = obj(obj(event)?.requestContext);
  return (
    rc !== undefined &&
    obj(rc.http) !== undefined &&
    typeof (event as Obj).rawPath === 'string' &&
    !isRequestAuthorizer(event as Obj)
  );
}

/**
 * Whether a payload 2.0 event (with its `requestContext`) came from a Lambda Function URL rather
 * than an HTTP API. The domain decides first: a `lambda-url` one is a Function URL's, an
 * `execute-api` one (regional, or a private endpoint's `vpce` name) an HTTP API's. Any other
 * domain, or none (events written by hand), is a Function URL's when the event has no route key.
 *
 * @example
 * isFunctionUrl(event, event.requestContext); // true for `abc.lambda-url.eu-west-1.on.aws`
 */
export function isFunctionUrl(event: Obj, rc: Obj): boolean {
  const domain = str(rc.domainName);
  if (domain !== undefined) {
    if (domain.includes('.lambda-url.')) return true;
    if (domain.includes('.execute-api.')) return false;
  }
  return event.routeKey === undefined;
}

/**
 * Tells which AWS event source sent `event`: `apigw-v1` (REST and HTTP API payload 1.0),
 * `apigw-v2`, `function-url`, `alb`, `sqs`, `sns`, `s3`, `s3-eventbridge`, `eventbridge`,
 * `scheduled` (EventBridge rules and Scheduler), `kinesis`, `dynamodb`, `apigw-authorizer`,
 * or `unknown`. A batch from EventBridge Pipes (a bare array of records) is its source's.
 * Never throws.
 *
 * @example
 * detectAwsEvent({ Records: [{ eventSource: 'aws:sqs', messageId: '1', body: '{}' }] }); // 'sqs'
 */
export function detectAwsEvent(event: unknown): AwsSource {
  if (Array.isArray(event)) return pipesBatch(event) === undefined ? 'unknown' : detectAwsRecord(event[0]);
  const e = obj(event);
  if (!e) return 'unknown';
  const rc = obj(e.requestContext);
  if (rc) {
    if (obj(rc.http) && typeof e.rawPath === 'string' && !isRequestAuthorizer(e)) {
      return isFunctionUrl(e, rc) ? 'function-url' : 'apigw-v2';
    }
    if (obj(rc.elb)) return 'alb';
    if (isRequestAuthorizer(e)) return 'apigw-authorizer';
    if (typeof e.httpMethod === 'string') return 'apigw-v1';
    return 'unknown';
  }
  if (Array.isArray(e.Records)) return e.Records.length > 0 ? detectAwsRecord(e.Records[0]) : 'unknown';
  const detailType = str(e['detail-type']);
  if (detailType !== undefined && typeof e.source === 'string') {
    // Every S3 event EventBridge delivers (`Object Created`, `Object Deleted`, `Object Restore
    // Completed`, `Object Tags Added`, ...): a storage function takes the first two and skips the rest.
    if (e.source === 'aws.s3' && detailType.startsWith('Object ')) return 's3-eventbridge';
    if (detailType === 'Scheduled Event' && (e.source === 'aws.events' || e.source === 'aws.scheduler')) {
      return 'scheduled';
    }
    return 'eventbridge';
  }
  if ((e.type === 'TOKEN' || e.type === 'REQUEST') && typeof e.methodArn === 'string') return 'apigw-authorizer';
  return 'unknown';
}
