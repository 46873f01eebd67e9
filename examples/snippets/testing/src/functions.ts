/**
 * The orders example's functions and store, at the paths the testing guide imports them from
 * (`./src/functions.js`, `./src/store.js`), as in `examples/orders/orders.test.ts`.
 */
export { api, fulfilOrder, functions, nightlyReport } from '../../../orders/src/functions.js';
