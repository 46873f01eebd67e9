/**
 * Azure Functions entry of the orders service (v4 Node.js programming model): registers the
 * portable functions on `app`, nothing else. `api` becomes one HTTP function on the catch-all
 * route `/api/{*path}`, `fulfilOrder` a Storage Queue trigger on `orders`, `receiptUploaded` a
 * blob trigger on `receipts/receipts/{name}` and `nightlyReport` a timer `0 0 3 * * *`.
 */
import { app } from '@azure/functions';
import { register } from '@skyport/azure';
import { functions } from '../src/functions.js';

/** Must equal `functionTimeout` in `host.json`: Azure does not tell a function its deadline. */
export const functionTimeout = '00:05:00';

/** What was registered: `[{ name, method, options }]`, one entry per function. */
export const registrations = register(app, functions, { functionTimeout });
