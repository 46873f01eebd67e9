/** AWS Lambda: the original API Gateway event still reaches the legacy handler unchanged. */
import { toLambda } from '@skyport/aws';
import { rates } from './functions.js';

export const handler = toLambda(rates);
