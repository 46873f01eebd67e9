/**
 * The README's "deployed four ways". In a project each line is an entry file of its own (see
 * `examples/orders`: `aws.ts`, `azure/index.ts`, `gcp/index.ts`, `node.ts`); here they share one
 * module so CI checks them together. `deploy.test.ts` runs it with the Azure `app` recorded and
 * the server on a free loopback port.
 */
import { app } from '@azure/functions';
import { toLambda } from '@skyport/aws';
import * as azure from '@skyport/azure';
import { router } from '@skyport/core';
import * as gcp from '@skyport/gcp';
import { gracefulShutdown, serve } from '@skyport/node';
import { createTodo, getTodo, reminders } from '../../quickstart/functions.js';

export const handler = toLambda(router(createTodo, getTodo)); // AWS Lambda (@skyport/aws)
azure.register(app, { api: router(createTodo, getTodo), reminders }); // Azure Functions (@skyport/azure)
gcp.register({ api: router(createTodo, getTodo), reminders }); // Google Cloud (@skyport/gcp)
gracefulShutdown(await serve({ createTodo, getTodo, reminders })); // any container: PORT, SIGTERM (@skyport/node)
