/**
 * The functions the AWS guide's snippets test: those of the orders example, re-exported so a
 * snippet imports them from `./src/functions.js` as a project of its own would.
 */
export { createOrder, fulfilOrder } from '../../../orders/src/functions.js';
