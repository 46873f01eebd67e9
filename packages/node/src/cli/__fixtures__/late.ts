/**
 * A function that leaves a timer printing to stdout shortly after it returns a large result, as a
 * logger's async flush would, for the CLI's invoke tests.
 */
import { http } from '@skyport/core';

export const late = http({ method: 'GET', path: '/late' }).handle(() => {
  setTimeout(() => console.log('late: printed after the result'), 20);
  return { big: 'x'.repeat(2_000_000) };
});
