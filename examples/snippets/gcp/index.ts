/**
 * The Functions Framework entry that docs/gcp.md's test imports: every function of
 * `./src/functions.ts` registered under its name.
 */
import { register } from '@skyport/gcp';
import { functions } from './src/functions.js';

register(functions);
