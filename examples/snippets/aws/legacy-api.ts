/**
 * The existing Lambda handler of docs/aws.md's `fromLambda` section, written before Skyport
 * against API Gateway HTTP API events: it answers with the route, the stage and the request id
 * it was given, which shows exactly which event and context reached it.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';

/** `GET /status`: who answered, for which request. */
export const handler = async (event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyResultV2> => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    path: event.rawPath,
    stage: event.requestContext.stage,
    requestId: context.awsRequestId,
  }),
});
