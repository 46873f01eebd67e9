import * as framework from '@google-cloud/functions-framework';
import { createLambdaContext, toLambda } from '@skyport/aws';
import { invokeAzure } from '@skyport/azure';
import type { SkyportFunction } from '@skyport/core';
import { register } from '@skyport/gcp';
import { type ServeHandle, serve } from '@skyport/node';
import { aws, azure, gcp, httpRequest, invoke, message, scheduleTick, storageEvent } from '@skyport/testing';
import { serveRegistered } from '../../packages/gcp/src/__fixtures__/server.js';

/** The functions under test, by deployment name. */
export interface Functions {
  readonly api: SkyportFunction<'http'>;
  readonly fulfilOrder: SkyportFunction<'queue'>;
  readonly receiptUploaded: SkyportFunction<'storage'>;
  readonly nightlyReport: SkyportFunction<'schedule'>;
}

/** A request as a client means it. */
export interface LogicalRequest {
  readonly method: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** A response reduced to what every platform must agree on. */
export interface Reply {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly location: string | undefined;
  readonly allow: string | undefined;
  /** Parsed JSON, text, or undefined; `requestId` removed (each platform has its own). */
  readonly body: unknown;
}

/** A queue message as a producer means it. */
export interface LogicalMessage {
  readonly id: string;
  readonly body: unknown;
}

/** An object upload. */
export interface LogicalObject {
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
}

/** A runtime the suite drives. */
export interface Driver {
  readonly name: string;
  start(fns: Functions): Promise<void>;
  stop(): Promise<void>;
  http(request: LogicalRequest): Promise<Reply>;
  /** The ids of the messages the platform would deliver again. */
  queue(messages: readonly LogicalMessage[]): Promise<string[]>;
  /** Whether the platform would consider the event handled. */
  storage(object: LogicalObject): Promise<boolean>;
  schedule(time: Date): Promise<boolean>;
}

/** Whether a platform call completed (a throw is how Lambda and Azure are told to retry). */
async function succeeds(run: () => Promise<unknown>): Promise<boolean> {
  try {
    await run();
    return true;
  } catch {
    return false;
  }
}

function decode(text: string | undefined, contentType: string | undefined): unknown {
  if (text === undefined || text === '') return undefined;
  if (contentType && /[/+]json/.test(contentType)) {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object' && 'requestId' in parsed) {
      const { requestId: _, ...rest } = parsed as Record<string, unknown>;
      return rest;
    }
    return parsed;
  }
  return text;
}

function reply(status: number, headers: Record<string, string | undefined>, text: string | undefined): Reply {
  const contentType = headers['content-type'];
  return {
    status,
    contentType,
    location: headers.location,
    allow: headers.allow,
    body: decode(text, contentType),
  };
}

function lower(headers: Readonly<Record<string, unknown>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {}))
    if (typeof value === 'string') out[name.toLowerCase()] = value;
  return out;
}

async function fetchReply(url: string, request: LogicalRequest): Promise<Reply> {
  const response = await fetch(url + request.path, {
    method: request.method,
    headers: request.headers,
    body: request.body,
  });
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return reply(response.status, headers, await response.text());
}

/** In-process, through `@skyport/testing`: the reference every platform is compared with. */
export function localDriver(): Driver {
  let fns: Functions;
  return {
    name: 'local (invoke)',
    async start(f) {
      fns = f;
    },
    async stop() {},
    async http(request) {
      const res = await invoke(
        fns.api,
        httpRequest({ method: request.method, path: request.path, headers: request.headers, body: request.body }),
      );
      return reply(res.status, res.headers, res.text);
    },
    async queue(messages) {
      const out = await invoke(
        fns.fulfilOrder,
        messages.map((m) => message({ id: m.id, body: m.body })),
      );
      return out.failures.map((f) => f.id);
    },
    async storage(object) {
      return (await invoke(fns.receiptUploaded, storageEvent(object))).ok;
    },
    async schedule(time) {
      return (await invoke(fns.nightlyReport, scheduleTick({ scheduledTime: time }))).ok;
    },
  };
}

/** AWS Lambda: raw API Gateway v2, SQS, S3 and EventBridge events through `toLambda`. */
export function awsDriver(): Driver {
  let handlers: {
    api: (event: unknown, context: unknown) => Promise<unknown>;
    fulfilOrder: (event: unknown, context: unknown) => Promise<unknown>;
    receiptUploaded: (event: unknown, context: unknown) => Promise<unknown>;
    nightlyReport: (event: unknown, context: unknown) => Promise<unknown>;
  };
  const context = () => createLambdaContext({ functionName: 'orders', timeoutMs: 10_000 });
  return {
    name: 'aws (toLambda)',
    async start(f) {
      handlers = {
        api: toLambda(f.api) as never,
        fulfilOrder: toLambda(f.fulfilOrder) as never,
        receiptUploaded: toLambda(f.receiptUploaded) as never,
        nightlyReport: toLambda(f.nightlyReport) as never,
      };
    },
    async stop() {},
    async http(request) {
      const event = aws.apiGatewayV2({
        method: request.method,
        path: request.path,
        headers: request.headers,
        body: request.body,
      });
      const result = (await handlers.api(event, context())) as {
        statusCode: number;
        headers?: Record<string, unknown>;
        body?: string;
        isBase64Encoded?: boolean;
      };
      const text = result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64').toString() : result.body;
      return reply(result.statusCode, lower(result.headers), text);
    },
    async queue(messages) {
      const result = (await handlers.fulfilOrder(
        aws.sqs(messages.map((m) => ({ id: m.id, body: m.body }))),
        context(),
      )) as { batchItemFailures: { itemIdentifier: string }[] };
      return result.batchItemFailures.map((f) => f.itemIdentifier);
    },
    async storage(object) {
      return succeeds(() => handlers.receiptUploaded(aws.s3([object]), context()));
    },
    async schedule(time) {
      return succeeds(() => handlers.nightlyReport(aws.scheduled({ name: 'nightly', time }), context()));
    },
  };
}

/** Azure Functions: the real `HttpRequest` / `InvocationContext` classes through `invokeAzure`. */
export function azureDriver(): Driver {
  let fns: Functions;
  return {
    name: 'azure (invokeAzure)',
    async start(f) {
      fns = f;
    },
    async stop() {},
    async http(request) {
      const response = await invokeAzure(fns.api, {
        method: request.method,
        url: `http://localhost:7071/api${request.path}`,
        headers: request.headers,
        body: request.body,
      });
      const body = response.body;
      const text =
        body === undefined ? undefined : typeof body === 'string' ? body : new TextDecoder().decode(body as Uint8Array);
      return reply(response.status ?? 200, lower(response.headers as Record<string, unknown>), text);
    },
    async queue(messages) {
      // Storage queues deliver one message per invocation; a throw makes the host retry it.
      const failed: string[] = [];
      for (const m of messages) {
        if (!(await succeeds(() => invokeAzure(fns.fulfilOrder, azure.queueMessage(m.body, { id: m.id })))))
          failed.push(m.id);
      }
      return failed;
    },
    async storage(object) {
      return succeeds(() =>
        invokeAzure(
          fns.receiptUploaded,
          azure.blob({ container: object.bucket, name: object.key, content: 'x'.repeat(object.size) }),
        ),
      );
    },
    async schedule(time) {
      return succeeds(() => invokeAzure(fns.nightlyReport, azure.timer({ scheduledTime: time })));
    },
  };
}

/** Google Cloud: `register()` on the real Functions Framework, real HTTP on loopback. */
export function gcpDriver(): Driver {
  const servers = new Map<string, { url: string; close(): Promise<void> }>();
  const url = (name: string) => (servers.get(name) as { url: string }).url;
  const post = (name: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(url(name), {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json', ...headers },
      body: JSON.stringify(body),
    });
  return {
    name: 'gcp (Functions Framework)',
    async start(f) {
      const names = {
        api: f.api,
        fulfilOrder: f.fulfilOrder,
        receiptUploaded: f.receiptUploaded,
        nightlyReport: f.nightlyReport,
      };
      register(names, { functions: framework });
      for (const name of Object.keys(names)) {
        servers.set(name, await serveRegistered(name));
      }
    },
    async stop() {
      for (const server of servers.values()) await server.close();
    },
    http(request) {
      return fetchReply(url('api'), request);
    },
    async queue(messages) {
      // Pub/Sub pushes one message per request; a non-2xx answer makes it redeliver.
      const failed: string[] = [];
      for (const m of messages) {
        const res = await post('fulfilOrder', gcp.pubsubCloudEvent({ messageId: m.id, data: m.body, topic: 'orders' }));
        if (!res.ok) failed.push(m.id);
      }
      return failed;
    },
    async storage(object) {
      const res = await post(
        'receiptUploaded',
        gcp.storageCloudEvent({ bucket: object.bucket, name: object.key, size: object.size }),
      );
      return res.ok;
    },
    async schedule(time) {
      const res = await fetch(url('nightlyReport'), {
        method: 'POST',
        headers: gcp.schedulerHttpHeaders({ jobName: 'nightly', scheduleTime: time }),
      });
      return res.ok;
    },
  };
}

/** Plain Node: `serve()` on loopback; non-HTTP functions take portable events at `/_skyport/<name>`. */
export function nodeDriver(): Driver {
  let server: ServeHandle;
  const post = (name: string, body: unknown) =>
    fetch(`${server.url}/_skyport/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  return {
    name: 'node (serve)',
    async start(f) {
      server = await serve(
        { api: f.api, fulfilOrder: f.fulfilOrder, receiptUploaded: f.receiptUploaded, nightlyReport: f.nightlyReport },
        { port: 0, host: '127.0.0.1', announce: false },
      );
    },
    async stop() {
      await server.close();
    },
    http(request) {
      return fetchReply(server.url, request);
    },
    async queue(messages) {
      const res = await post('fulfilOrder', messages);
      const out = (await res.json()) as { failures: { id: string }[] };
      return out.failures.map((f) => f.id);
    },
    async storage(object) {
      return (await post('receiptUploaded', { type: 'created', ...object })).ok;
    },
    async schedule(time) {
      return (await post('nightlyReport', { scheduledTime: time.toISOString(), name: 'nightly' })).ok;
    },
  };
}
