// Loads TypeScript the way tsx does, under a name the CLI does not recognise as tsx, so the CLI
// takes the path a plain `node dist/cli.js` takes: re-running itself under tsx's loader.
import { register } from 'tsx/esm/api';

register();
