/** Registering raw Functions Framework handlers with `toGcp()`, as docs/gcp.md shows. */
import * as functions from '@google-cloud/functions-framework';
import { toGcp } from '@skyport/gcp';
import { api, fulfilOrder } from './src/functions.js';

functions.http('api', toGcp(api)); // (req, res)
functions.http('fulfilOrderPush', toGcp(fulfilOrder, { signature: 'http' })); // (req, res)
functions.cloudEvent('fulfilOrder', toGcp(fulfilOrder, { signature: 'cloudevent' })); // (cloudEvent)
