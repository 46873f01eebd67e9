/** A function that takes a while to answer, for the CLI's shutdown tests. */
import { http } from '@skyport/core';

export const slow = http({ method: 'GET', path: '/slow' }).handle(async () => {
  await new Promise((resolve) => setTimeout(resolve, 1500));
  return { done: true };
});
