/** The option tables of docs/middleware.md list exactly the options each middleware takes. */
import type { CorsOptions, TimeoutOptions } from '@skyport/core';
import type { ApiKeyAuthOptions, CloudPrincipalOptions, IdentityHeaders, JwtAuthOptions } from '@skyport/core/auth';
import type { LogFormat, LoggerOptions } from '@skyport/core/logger';
import type { TracingOptions } from '@skyport/core/tracing';
import type { TelemetryOptions } from '@skyport/otel';
import { expectTypeOf, it } from 'vitest';

it('lists every option of every middleware', () => {
  expectTypeOf<keyof CorsOptions>().toEqualTypeOf<
    'origin' | 'methods' | 'allowHeaders' | 'exposeHeaders' | 'credentials' | 'maxAge'
  >();
  expectTypeOf<keyof TimeoutOptions>().toEqualTypeOf<'marginMs' | 'ms'>();
  expectTypeOf<keyof JwtAuthOptions>().toEqualTypeOf<
    | 'jwksUrl'
    | 'secret'
    | 'publicKey'
    | 'issuer'
    | 'audience'
    | 'algorithms'
    | 'clockTolerance'
    | 'requiredClaims'
    | 'requiredScopes'
    | 'realm'
    | 'getToken'
    | 'jwksCacheMaxAgeMs'
    | 'jwksCooldownMs'
    | 'jwksTimeoutMs'
    | 'clientId'
    | 'tokenUse'
    | 'accept'
  >();
  expectTypeOf<keyof ApiKeyAuthOptions>().toEqualTypeOf<'header' | 'keys' | 'verify'>();
  expectTypeOf<keyof CloudPrincipalOptions>().toEqualTypeOf<
    'trust' | 'headers' | 'iap' | 'requiredScopes' | 'allowCognitoGuests'
  >();
  expectTypeOf<IdentityHeaders>().toEqualTypeOf<'azure-easy-auth' | 'gcp-api-gateway' | 'gcp-iap-headers'>();
  expectTypeOf<keyof LoggerOptions>().toEqualTypeOf<
    'level' | 'format' | 'redact' | 'gcpProject' | 'summary' | 'base'
  >();
  expectTypeOf<LogFormat>().toEqualTypeOf<'auto' | 'aws' | 'gcp' | 'azure' | 'json'>();
  expectTypeOf<keyof TracingOptions>().toEqualTypeOf<'name' | 'metrics' | 'attributes' | 'flush'>();
  expectTypeOf<keyof TelemetryOptions>().toEqualTypeOf<
    | 'serviceName'
    | 'serviceVersion'
    | 'exporter'
    | 'metrics'
    | 'metricIntervalMs'
    | 'batch'
    | 'resourceAttributes'
    | 'instrumentations'
    | 'sdk'
  >();
});
