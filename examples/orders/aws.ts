/**
 * AWS Lambda entry points of the orders service: one handler per function, no business logic.
 * Deploy `api` behind an HTTP API (payload format 2.0), `fulfilOrder` on the `orders` SQS queue
 * with `ReportBatchItemFailures`, `receiptUploaded` on the receipts bucket's `ObjectCreated`
 * notifications, `nightlyReport` on an EventBridge schedule `cron(0 3 * * ? *)` (what
 * `eventBridgeCron(functions.nightlyReport)` gives for its `0 3 * * *`), and
 * `ordersExport` behind a Function URL with `InvokeMode: RESPONSE_STREAM`.
 */
import { toLambda } from '@skyport/aws';
import { cors } from '@skyport/core';
import { exportOrders, functions } from './src/functions.js';

/** `GET/POST /orders`, `GET/DELETE /orders/{id}` behind API Gateway, a Function URL or an ALB. */
export const api = toLambda(functions.api);

/** The `orders` SQS queue consumer; answers `batchItemFailures`. */
export const fulfilOrder = toLambda(functions.fulfilOrder);

/** S3 `ObjectCreated:*` on the receipts bucket (direct or through EventBridge). */
export const receiptUploaded = toLambda(functions.receiptUploaded);

/** The nightly EventBridge schedule. */
export const nightlyReport = toLambda(functions.nightlyReport);

/**
 * `GET /orders/export` on its own, sent as it is read through Lambda response streaming (a
 * Function URL with `InvokeMode: RESPONSE_STREAM`); through `api` the same export is sent whole.
 */
export const ordersExport = toLambda(exportOrders.use(cors()), { stream: true });
