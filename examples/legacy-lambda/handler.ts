/**
 * An existing Lambda handler, written the usual way against API Gateway HTTP API events, before
 * Skyport. It is deliberately left as it was: `functions.ts` wraps it without editing it.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';

const rates: Record<string, number> = { standard: 4.5, express: 12 };

/** `POST /rates` with `{ "service": "standard", "weightKg": 2 }`: a shipping quote. */
export const handler = async (event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyResultV2> => {
  let input: { service?: string; weightKg?: number };
  try {
    input = JSON.parse(event.body ?? '{}');
  } catch {
    return { statusCode: 400, body: JSON.stringify({ message: 'body must be JSON' }) };
  }
  const rate = rates[input.service ?? 'standard'];
  if (rate === undefined || typeof input.weightKg !== 'number' || input.weightKg <= 0) {
    return { statusCode: 400, body: JSON.stringify({ message: 'unknown service or bad weight' }) };
  }
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json', 'x-request-id': context.awsRequestId },
    body: JSON.stringify({
      service: input.service ?? 'standard',
      price: Math.round(rate * input.weightKg * 100) / 100,
    }),
  };
};
