/** Usage errors and help texts of the `skyport` CLI. */
import { kindSources, portableKinds } from './kinds.js';

/** A bad command line: printed with a hint, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The kinds of `skyport events` on the raw clouds, one line per kind with each cloud's source. */
function kindTable(indent: string): string {
  const width = (column: readonly string[]) => Math.max(...column.map((cell) => cell.length)) + 2;
  const clouds = ['aws', 'azure', 'gcp'] as const;
  const rows = [
    ['kind', ...clouds],
    ...portableKinds.map((kind) => [kind, ...clouds.map((c) => kindSources[c][kind])]),
  ];
  const widths = rows[0]?.map((_, i) => width(rows.map((row) => row[i] ?? ''))) ?? [];
  return rows
    .map(
      (row) =>
        indent +
        row
          .map((cell, i) => cell.padEnd(widths[i] ?? 0))
          .join('')
          .trimEnd(),
    )
    .join('\n');
}

/** Help of each command, and of the CLI itself (`main`). */
export const help = {
  main: `Usage: skyport <command> [options]

Commands:
  dev <module>                 serve a module's functions and restart on file changes
  serve <module>               serve a module's functions (containers: graceful SIGTERM)
  invoke <module>#<export>     run one function with an event file and print the result
  events <cloud> <kind>        print a sample event to start from (or a cloud's <source>)

Run "skyport <command> --help" for the options of a command; "skyport --version" prints the version.
Exit codes: 0 success, 1 the invocation failed, 2 bad arguments.`,
  dev: `Usage: skyport dev <module> [--port <n>] [--host <h>] [--body-limit <bytes>] [--watch <dir>...]

Serves every Skyport function the module exports (its "functions" or default export when that is
a record of functions) like "skyport serve", and restarts when a source or config file (.ts .tsx
.mts .cts .js .jsx .mjs .cjs .json) under the module's folder (and each --watch folder) changes.
TypeScript modules are loaded with tsx.

Options:
  -p, --port <n>          port, 0-65535 (default: $PORT, else 3000)
      --host <h>          interface (default: $HOST, else all)
      --body-limit <n>    largest request body in bytes (default 6291456)
  -w, --watch <dir>       another folder to watch (repeatable; the module's folder always is)
      --shutdown-timeout <ms>  how long a reload lets in-flight requests (an open event stream)
                          run before cutting them (default 2000)
      --request-timeout, --headers-timeout, --timeout, --keep-alive-timeout,
      --no-event-routes, --event-routes, --trust-proxy   as for "skyport serve"
  -h, --help              this help`,
  serve: `Usage: skyport serve <module> [--port <n>] [--host <h>] [--body-limit <bytes>] [--no-event-routes]

Serves every Skyport function the module exports: http functions on their routes, others at
POST /_skyport/<name>. On SIGTERM or SIGINT it stops accepting connections, finishes in-flight
requests and exits 0.

Options:
  -p, --port <n>          port, 0-65535; 0 picks a free one (default: $PORT, else 3000)
      --host <h>          interface (default: $HOST, else all)
      --body-limit <n>    largest request body in bytes (default 6291456)
      --request-timeout <ms>  time a client has to send a whole request (default 300000)
      --headers-timeout <ms>  time a client has to send the headers (default 60000)
      --timeout <ms>      deadline of each request, for ctx.deadline and ctx.signal; give it the
                          platform's request timeout (default none)
      --keep-alive-timeout <ms>  how long an idle connection stays open; keep it above the idle
                          timeout of the load balancer in front (default 65000)
      --shutdown-timeout <ms>  how long in-flight requests may run after SIGTERM or SIGINT
                          before their connections are cut (default 8000)
      --no-event-routes   no POST /_skyport/<name> (it is not authenticated: use this in public)
      --event-routes      keep POST /_skyport/<name> under NODE_ENV=production without the
                          warning (a private service a push subscription calls)
      --trust-proxy <n>   proxies in front to trust for the client address (Cloud Run: 1; default 0)
  -h, --help              this help`,
  invoke: `Usage: skyport invoke <module>#<export> --event <file> [--cloud aws|azure|gcp|node]

Runs one function once and prints the result as JSON on stdout (logs, and what the module prints
with console.log or to stdout, go to stderr), then exits. The function is named after the export
on every cloud (ctx.functionName).
  --cloud node   the event file holds a portable event (an array is a batch); an http function
                 takes { method, path, headers, query, body } (method or path required).
                 Core runs it directly.
  --cloud aws    the event file holds a raw Lambda event, run through @skyport/aws invokeLambda
  --cloud azure  run through @skyport/azure invokeAzure
  --cloud gcp    run through @skyport/gcp invokeGcp
Exit code 1 when the invocation fails (a thrown error, a failed message, a 5xx response); 2 when
the event is not JSON or not an event the function takes (nothing ran).

Options:
  -e, --event <file>      the event as JSON ("-" reads stdin)
  -c, --cloud <cloud>     aws, azure, gcp or node (default node)
  -h, --help              this help

Example:
  skyport events node schedule | skyport invoke examples/orders/src/functions.ts#nightlyReport --event -`,
  events: `Usage: skyport events <cloud> [kind | source]

Prints a sample event as JSON, to save and edit for "skyport invoke"; without a kind or source,
the sources the cloud has, one per line. The samples come from @skyport/testing (install it).
  node:               portable events, by kind
  aws, azure, gcp:    raw events from the factories of @skyport/testing, by kind for the usual
                      source of that kind, or by source name (names match loosely:
                      api-gateway-v2 is apiGatewayV2)
${kindTable('    ')}

Examples:
  skyport events aws queue > sqs.json
  skyport events gcp firestoreCloudEvent > firestore.json`,
} as const;
