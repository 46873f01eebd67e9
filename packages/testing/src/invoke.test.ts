import { queue } from '@skyport/core';
import { describe, expect, it } from 'vitest';
import { message } from './factories.js';
import { invoke } from './invoke.js';

describe('invoke(): the batch mode of a queue function', () => {
  const batch = () => [
    message({ id: 'a', body: { bad: true }, groupId: 'tenant-1' }),
    message({ id: 'b', body: {}, groupId: 'tenant-1' }),
  ];
  const defined = (fifo: boolean | undefined) => {
    const ran: string[] = [];
    const fn = queue({ name: 'orders', fifo }).handle((msg) => {
      ran.push(msg.id);
      if ((msg.body as { bad?: boolean }).bad) throw new Error('bad');
    });
    return { fn, ran };
  };

  it('follows fifo: false, a standard queue whose messages with a groupId fail independently', async () => {
    // Prepare
    const { fn, ran } = defined(false);

    // Act
    const out = await invoke(fn, batch());

    // Assert
    expect(ran).toEqual(['a', 'b']);
    expect(out.failures.map((f) => [f.id, f.skipped])).toEqual([['a', false]]);
  });

  it('follows fifo: true, and without fifo a groupId still runs the batch as FIFO groups', async () => {
    for (const fifo of [true, undefined]) {
      // Prepare
      const { fn, ran } = defined(fifo);

      // Act
      const out = await invoke(fn, batch());

      // Assert
      expect(ran).toEqual(['a']);
      expect(out.failures.map((f) => [f.id, f.skipped])).toEqual([
        ['a', false],
        ['b', true],
      ]);
    }
  });

  it('lets the mode option win over fifo', async () => {
    const { fn, ran } = defined(false);
    const out = await invoke(fn, batch(), { mode: 'fifo' });
    expect(ran).toEqual(['a']);
    expect(out.failures).toHaveLength(2);
  });
});
