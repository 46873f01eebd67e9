/** A function whose process is killed by SIGKILL while it runs, as the OOM killer would, for the CLI's invoke tests. */
import { queue } from '@skyport/core';

export const killed = queue({ name: 'jobs' }).handle(() => {
  process.kill(process.pid, 'SIGKILL');
});
