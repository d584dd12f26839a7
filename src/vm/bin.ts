#!/usr/bin/env node
/** The VM tool on its own (`node dist/src/vm/bin.js up`), like src/fleet/bin.ts; `nodemend vm ...` is the same. */
import { vmCommand } from './cli.js';

await vmCommand().name('vm').parseAsync(process.argv);
