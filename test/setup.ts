/**
 * Runs before every test file: the lines Skyport's loggers write (error paths log on purpose)
 * go through `console`, which Vitest shows only for a failing test, instead of straight to
 * stdout, where they would fill the output of every run. A log level set in the shell running
 * the tests would silence lines tests read, here and in the processes they start: it is unset.
 */
import { setLogDestination } from '@skyport/core';

delete process.env.LOG_LEVEL;
delete process.env.AWS_LAMBDA_LOG_LEVEL;

setLogDestination({
  write(line: string) {
    console.log(line.endsWith('\n') ? line.slice(0, -1) : line);
  },
});
