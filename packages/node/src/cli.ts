#!/usr/bin/env node
/**
 * The `skyport` executable: `dev`, `serve`, `invoke` and `events`. See `skyport --help`.
 */
import { main } from './cli/main.js';

process.exitCode = await main(process.argv.slice(2));
