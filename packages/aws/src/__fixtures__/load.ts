/** Loads a copied AWS sample event from `packages/aws/test/fixtures` (see SOURCES.md there). */
import { readFileSync } from 'node:fs';

/** Parses `test/fixtures/<path>`, dropping a UTF-8 BOM (one ALB sample starts with one). */
export function fixture<T = Record<string, unknown>>(path: string): T {
  const text = readFileSync(new URL(`../../test/fixtures/${path}`, import.meta.url), 'utf8');
  return JSON.parse(text.replace(/^\uFEFF/, '')) as T;
}

/** Every fixture path, for properties over all of them. */
export const allFixtures: readonly string[] = [
  'alb/aws-lambda-dotnet__values-put-binary-alb-request.json',
  'alb/aws-lambda-go__alb-lambda-target-request-headers-only.json',
  'alb/aws-lambda-go__alb-lambda-target-request-multivalue-headers.json',
  'alb/powertools-ts__base.json',
  'alb/powertools-ts__multi-fields.json',
  'apigw-authorizer/aws-lambda-go__apigw-custom-auth-request.json',
  'apigw-authorizer/aws-lambda-go__apigw-v2-custom-authorizer-v1-request.json',
  'apigw-authorizer/aws-lambda-go__apigw-v2-custom-authorizer-v2-request.json',
  'apigw-http/aws-lambda-dotnet__values-get-all-httpapi-request.json',
  'apigw-http/aws-lambda-go__apigw-v2-request-iam.json',
  'apigw-http/aws-lambda-go__apigw-v2-request-jwt-authorizer.json',
  'apigw-http/aws-lambda-go__apigw-v2-request-lambda-authorizer.json',
  'apigw-http/aws-lambda-go__apigw-v2-request-no-authorizer.json',
  'apigw-http/powertools-py__apiGatewayProxyV2Event.json',
  'apigw-http/powertools-ts__no-auth.json',
  'apigw-rest/aws-lambda-go__apigw-request.json',
  'apigw-rest/powertools-py__apiGatewayProxyEvent_noVersionAuth.json',
  'apigw-rest/powertools-ts__no-auth.json',
  'dynamodb/aws-lambda-go__dynamodb-event.json',
  'dynamodb/powertools-ts__base.json',
  'eventbridge/aws-lambda-dotnet__scheduled-event.json',
  'eventbridge/powertools-ts__base.json',
  'eventbridge/powertools-ts__examplePayload.json',
  'kinesis/aws-lambda-go__kinesis-event.json',
  'kinesis/powertools-ts__stream.json',
  'lambda-url/aws-lambda-go__function-url-domain-only-request-with-base64-encoded-body.json',
  'lambda-url/aws-lambda-go__function-url-request-with-headers-and-cookies-and-text-body.json',
  'lambda-url/aws-lambda-go__lambda-urls-request.json',
  'lambda-url/powertools-ts__base.json',
  's3/aws-lambda-go__s3-event.json',
  's3/powertools-ts__delete-object.json',
  's3/powertools-ts__eventbridge-object-created.json',
  'sns/aws-lambda-go__sns-event.json',
  'sns/powertools-ts__base.json',
  'sqs/aws-lambda-go__sqs-event.json',
  'sqs/powertools-py__snsSqsFifoEvent.json',
  'sqs/powertools-ts__base.json',
];
