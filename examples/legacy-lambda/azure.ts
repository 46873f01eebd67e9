/** Azure Functions: the legacy handler gets an API Gateway v2 event synthesised from the request. */
import { app } from '@azure/functions';
import { register } from '@skyport/azure';
import { rates } from './functions.js';

register(app, { rates });
