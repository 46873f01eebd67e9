#!/usr/bin/env node
/**
 * The `skyport` executable: `dev`, `serve`, `invoke` and `events`. See `skyport --help`.
 */
import { registerTypeScript } from './cli/load.js';
import { main, outputFlushed, stdoutToStderrUntilExit } from './cli/main.js';

// Run again for a TypeScript module: tsx is registered before the module is loaded.
const loader = process.env.SKYPORT_TSX_LOADER;
if (process.env.SKYPORT_TSX === '1' && loader) await registerTypeScript(loader);

const args = process.argv.slice(2);
// An invoked handler that neither settles nor keeps anything running would otherwise end the
// command with Node's bare exit code 13 and no word. (Only `invoke` runs a handler to its end.)
const stalled = () => {
  process.stderr.write('skyport: the function never completed: nothing it started is still running\n');
  process.exit(1);
};
if (args[0] === 'invoke') {
  process.once('beforeExit', stalled);
  // stdout carries the result alone up to the exit, past the flush of a large one.
  stdoutToStderrUntilExit();
}
const code = await main(args);
process.off('beforeExit', stalled);

// Done: serve and dev return only once nothing is served any more (serve itself exits on a
// signal), every other command once its output is written. What the module left running (a
// timer, a connection pool, a telemetry exporter) must not keep the command from exiting.
await outputFlushed();
process.exit(code);
