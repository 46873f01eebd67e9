/**
 * After `logger()`, `ctx.log` is typed `LevelledLogger`: a pino child that tells its level, so a
 * handler can skip building a line that is not written. Checked by the type check and at run time.
 */
import { createMiddleware, http, type LevelledLogger, type Logger, queue } from '@skyport/core';
import { collectLogs, httpRequest, invoke, message } from '@skyport/testing';
import { pino } from 'pino';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { logger } from './index.js';

describe('ctx.log after logger()', () => {
  it('is typed with its level and level check, on its children too, and only after logger()', () => {
    http({ method: 'GET', path: '/a' })
      .use(logger())
      .handle((_req, ctx) => {
        expectTypeOf(ctx.log).toEqualTypeOf<LevelledLogger>();
        expectTypeOf(ctx.log.isLevelEnabled('debug')).toEqualTypeOf<boolean>();
        expectTypeOf(ctx.log.level).toEqualTypeOf<string>();
        expectTypeOf(ctx.log.child({ order: 'o-1' })).toEqualTypeOf<LevelledLogger>();
      });
    queue({ name: 'orders' })
      .use(logger())
      .handle((_msg, ctx) => expectTypeOf(ctx.log).toEqualTypeOf<LevelledLogger>());
    http({ method: 'GET', path: '/a' }).handle((_req, ctx) => {
      expectTypeOf(ctx.log).toEqualTypeOf<Logger>();
      // @ts-expect-error: without logger(), ctx.log may be the built-in logger, which has no level check
      ctx.log.isLevelEnabled('debug');
    });
    // A pino logger is one, as logger() makes it.
    expectTypeOf(pino({ enabled: false })).toExtend<LevelledLogger>();
  });

  it('lets a middleware added after logger() need it', () => {
    const levelled = createMiddleware<'http', {}, { log: LevelledLogger }>({
      name: 'levelled',
      kinds: ['http'],
      handle: (_req, ctx, next) => (ctx.log.isLevelEnabled('trace') ? next() : next()),
    });
    http({ method: 'GET', path: '/a' })
      .use(logger())
      .use(levelled)
      .handle(() => undefined);
    // @ts-expect-error: before logger(), ctx.log has no level check
    http({ method: 'GET', path: '/a' }).use(levelled);
  });

  it('has them at run time, as its type says', async () => {
    // Arrange
    const logs = collectLogs();
    const seen: unknown[] = [];
    const fn = http({ method: 'GET', path: '/a' })
      .use(logger({ level: 'info' }))
      .handle((_req, ctx) => {
        seen.push(ctx.log.level, ctx.log.isLevelEnabled('debug'), ctx.log.isLevelEnabled('warn'));
        const child = ctx.log.child({ order: 'o-1' });
        seen.push(child.level, child.isLevelEnabled('debug'));
        return undefined;
      });
    const onMessage = queue({ name: 'orders' })
      .use(logger({ level: 'debug' }))
      .handle((_msg, ctx) => {
        seen.push(ctx.log.level, ctx.log.isLevelEnabled('debug'));
      });
    try {
      // Act
      await invoke(fn, httpRequest({ path: '/a' }));
      await invoke(onMessage, message({ body: 'a' }));
    } finally {
      logs.restore();
    }
    // Assert
    expect(seen).toEqual(['info', false, true, 'info', false, 'debug', true]);
  });
});
