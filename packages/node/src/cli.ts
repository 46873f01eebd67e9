#!/usr/bin/env node
/**
 * The `skyport` executable: `dev`, `serve`, `invoke` and `events`. See `skyport --help`.
 */
import { main } from './cli/main.js';

// A command whose work can never complete (an invoked handler that neither settles nor keeps
// anything running) would otherwise end with Node's bare exit code 13 and no word.
const stalled = () => {
  process.stderr.write('skyport: the function never completed: nothing it started is still running\n');
  process.exit(1);
};
process.once('beforeExit', stalled);
process.exitCode = await main(process.argv.slice(2));
process.off('beforeExit', stalled);
