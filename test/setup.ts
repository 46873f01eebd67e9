/**
 * Runs before every test file: the lines Skyport's loggers write (error paths log on purpose)
 * go through `console`, which Vitest shows only for a failing test, instead of straight to
 * stdout, where they would fill the output of every run.
 */
import { setLogDestination } from '@skyport/core';

setLogDestination({
  write(line: string) {
    console.log(line.endsWith('\n') ? line.slice(0, -1) : line);
  },
});
