/**
 * The orders service on Google Cloud (Cloud Run functions / Cloud Functions 2nd gen): every
 * function of `../src/functions.ts` is registered with the Functions Framework under its name,
 * and `functions-framework --target=<name>` serves one of them. No business logic lives here.
 */
import { register } from '@skyport/gcp';
import { functions } from '../src/functions.js';

register(functions, { timeoutSeconds: 60 });
