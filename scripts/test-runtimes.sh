#!/usr/bin/env bash
# Runs the test suite again on the other Node.js releases the platforms run functions on (Lambda
# nodejs22.x and nodejs24.x, Cloud Run functions nodejs22 and nodejs24, Azure Functions Node 22):
# the builds the npm registry ships, pinned in .ci/runtimes/package-lock.json. The type check and
# lint run once, on the Node.js that runs this script.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=.ci/runtimes
if [ ! -d "$dir/node_modules" ]; then
  npm ci --prefix "$dir" --no-audit --no-fund
fi
for name in node22 node24; do
  bin="$PWD/$dir/node_modules/$name/bin"
  if [ ! -x "$bin/node" ]; then
    # The builds are Linux x64 ones: elsewhere npm leaves them out, and CI runs them.
    echo "test-runtimes: no $name build for $(uname -sm) on the npm registry; run on Linux x64 (as CI does)"
    continue
  fi
  echo "test-runtimes: vitest on Node.js $("$bin/node" --version)"
  PATH="$bin:$PATH" npx vitest run
done
