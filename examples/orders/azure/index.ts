/**
 * Azure Functions entry of the orders service (v4 Node.js programming model): registers the
 * portable functions on `app`, nothing else. `api` becomes one HTTP function on the catch-all
 * route `/api/{*path}`, `fulfilOrder` a Storage Queue trigger on `orders`, `receiptUploaded` a
 * blob trigger on `receipts/receipts/{name}` and `nightlyReport` a timer `0 0 3 * * *`. HTTP
 * streams are on, so `GET /api/orders/export` is sent as it is read.
 */
import { app } from '@azure/functions';
import { register } from '@skyport/azure';
import { functions } from '../src/functions.js';

/** Must equal `functionTimeout` in `host.json`: Azure does not tell a function its deadline. */
export const functionTimeout = '00:05:00';

// Streamed answers (`http({ stream: true })`) go out as they are produced; set while the app starts.
app.setup({ enableHttpStream: true });

/** What was registered: `[{ name, method, options }]`, one entry per function. */
export const registrations = register(app, functions, { functionTimeout });
