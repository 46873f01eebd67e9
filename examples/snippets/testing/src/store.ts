/** The orders example's store, where the testing guide's snippets import it from. */
export { store } from '../../../orders/src/store.js';
