/**
 * Skyport core: define serverless functions once, with typed portable events, context,
 * onion middleware, schema validation (any Standard Schema) and RFC 9457 errors, then run them
 * on AWS, Azure, GCP or Node through a thin adapter.
 */
export type { BatchFailure, BatchItem, BatchMode, BatchOptions, BatchResult } from './batch.js';
export { defaultMode, runBatch } from './batch.js';
export type { FunctionBuilder, HttpBuilder, HttpDefinition, NeedsContext, PathParamsSchema } from './builders.js';
export { changes, events, http, queue, schedule, storage, stream } from './builders.js';
export { ByteChunks, concatBytes, decodeBase64, decodeText, encodeBase64, fromUtf8, isBase64, utf8 } from './bytes.js';
export type { Dispatch } from './compose.js';
export { compose } from './compose.js';
export type { ContextInit } from './context.js';
/**
 * For Skyport's own middleware (`@skyport/core/tracing` imports them from here, so the context
 * class exists once); not part of the supported API.
 *
 * @internal
 */
export {
  abortContext,
  batchOf,
  createContext,
  defineContextFields,
  endContext,
  fieldState,
  finishBatch,
  forkContext,
  isCoreContext,
  onBatchEnd,
} from './context.js';
export type { CronField, CronPart } from './cron.js';
export { parseCron } from './cron.js';
export type {
  HttpErrorOptions,
  ProblemDetails,
  SkyportErrorCode,
  SkyportErrorFields,
  SkyportErrorOptions,
  ValidationIssue,
} from './errors.js';
export {
  /** @internal For `@skyport/core/logger` and `@skyport/core/tracing`; not part of the supported API. */
  abortedByClient,
  BadRequest,
  Conflict,
  /** @internal For Skyport's adapters; not part of the supported API. */
  errorBrandOf,
  Forbidden,
  GatewayTimeout,
  HttpError,
  InternalServerError,
  MethodNotAllowed,
  NotFound,
  PayloadTooLarge,
  problemDetails,
  ServiceUnavailable,
  SkyportError,
  skyportErrorOf,
  statusText,
  TooManyRequests,
  toHttpError,
  Unauthorized,
  UnprocessableEntity,
  UnsupportedMediaType,
  withHeaders,
} from './errors.js';
export type {
  ChangeEventInit,
  CloudEventInit,
  MessageInit,
  PayloadInit,
  ScheduleTickInit,
  StorageEventInit,
  StreamRecordInit,
} from './events.js';
export {
  cloudEventExtensions,
  createChangeEvent,
  createCloudEvent,
  createMessage,
  createScheduleTick,
  createStorageEvent,
  createStreamRecord,
  /** @internal For Skyport's adapters; not part of the supported API. */
  IGNORED_STORAGE_EVENT,
  /** @internal For Skyport's adapters; not part of the supported API. */
  logIgnoredStorageEvent,
  toDate,
} from './events.js';
export { parseCookieHeader, parseSetCookie, serializeCookie } from './http/cookies.js';
export type { BodyType, HttpRequestInit, RawHeaders } from './http/request.js';
export { bodyTypeOf, createHttpRequest, DEFAULT_BODY_LIMIT, fitForUrl } from './http/request.js';
export { bufferResponse, isHttpResponse, isResponseInit, normalizeResponse, problemResponse } from './http/response.js';
export type { PipeOutcome, StreamSink } from './http/stream.js';
export { pipeStream, untilSettled } from './http/stream.js';
export type { JsonLoggerOptions, LevelName, LineShape, LogDestination, LogSink } from './log.js';
export {
  cloudLoggingSeverity,
  createJsonLogger,
  credentialHeaders,
  credentialKeys,
  credentialPrefixes,
  envLevel,
  errorField,
  getLogDestination,
  isCredentialKey,
  /** @internal For `@skyport/core/logger`; not part of the supported API. */
  isError,
  levels,
  /** @internal For `@skyport/core/logger`; not part of the supported API. */
  ownFieldRedactions,
  responseSummary,
  safeJson,
  setLogDestination,
  /** @internal For `@skyport/core/logger`; not part of the supported API. */
  withoutOwnFields,
  /** @internal For `@skyport/core/logger`; not part of the supported API. */
  writtenErr,
} from './log.js';
export {
  allowHeader,
  allowsMethod,
  /** @internal For Skyport's adapters; not part of the supported API. */
  byPrecedence,
  methodsOf,
  /** @internal For Skyport's adapters; not part of the supported API. */
  overlap,
  type RouteOrder,
} from './methods.js';
export type { CorsOptions, CorsOrigin } from './middleware/cors.js';
export { cors } from './middleware/cors.js';
export type { MiddlewareDefinition } from './middleware/create.js';
export { createMiddleware } from './middleware/create.js';
export type { TimeoutOptions } from './middleware/timeout.js';
export { timeout } from './middleware/timeout.js';
export type { CheckOptionsContext } from './options.js';
export {
  /** @internal For Skyport's adapters; not part of the supported API. */
  checkOptions,
  /** @internal For Skyport's adapters; not part of the supported API. */
  shownValue,
} from './options.js';
/** @internal For Skyport's adapters; not part of the supported API. */
export { setOwn } from './own.js';
export type { PathPattern } from './path.js';
export { compilePath } from './path.js';
/** @internal For Skyport's adapters (the GCP adapter's Firestore events); not part of the supported API. */
export {
  FIXED32,
  FIXED64,
  LENGTH_DELIMITED,
  MalformedProtobuf,
  ProtobufReader,
  VARINT,
} from './protobuf.js';
export { router } from './router.js';
export {
  /** @internal For Skyport's adapters; not part of the supported API. */
  bodyLimitOf,
  respond,
  runEvent,
  runHttp,
} from './run.js';
export type { InferIn, InferOut, StandardSchemaV1 } from './standard-schema.js';
export { isStandardSchema } from './standard-schema.js';
export type * from './types.js';
export { validate } from './validate.js';
