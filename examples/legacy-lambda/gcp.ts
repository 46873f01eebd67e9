/** Google Cloud Functions / Cloud Run functions: `functions-framework --target=rates`. */
import { register } from '@skyport/gcp';
import { rates } from './functions.js';

register({ rates });
