/** A function whose handler never settles and keeps nothing running, for the CLI's invoke tests. */
import { queue } from '@skyport/core';

export const stuck = queue({ name: 'jobs' }).handle(() => new Promise<void>(() => {}));
