/** Any container or VM: `node --import tsx examples/legacy-lambda/node.ts`, then POST /rates. */
import { gracefulShutdown, serve } from '@skyport/node';
import { rates } from './functions.js';

gracefulShutdown(await serve({ rates }));
