/** A function whose handler never returns, for the CLI's shutdown tests. */
import { http } from '@skyport/core';

export const hang = http({ method: 'GET', path: '/hang' }).handle(() => new Promise<never>(() => {}));
