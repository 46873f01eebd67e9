/**
 * A module that keeps the event loop busy for good, as a connection pool or a telemetry exporter
 * does, for the CLI's invoke tests.
 */
import { queue } from '@skyport/core';

setInterval(() => {}, 1000);

export const busy = queue({ name: 'jobs' }).handle(() => {});
