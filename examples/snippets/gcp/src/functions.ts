/**
 * The functions the Google Cloud guide's snippets deploy and test: those of the orders example,
 * re-exported so a snippet imports them from `./src/functions.js` as a project of its own would.
 */
export { api, fulfilOrder, functions, nightlyReport } from '../../../orders/src/functions.js';
