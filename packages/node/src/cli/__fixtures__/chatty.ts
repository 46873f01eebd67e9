/** A module and a function that print to stdout every way Node has, for the CLI's invoke tests. */
import { queue } from '@skyport/core';

console.log('chatty: loading');

export const chatty = queue({ name: 'jobs' }).handle(() => {
  console.log('chatty: console.log');
  console.info('chatty: console.info');
  console.debug('chatty: console.debug');
  console.dir({ chatty: 'console.dir' });
  process.stdout.write('chatty: process.stdout.write\n');
});
