#!/usr/bin/env node
/**
 * The fleet tool on its own (`node dist/src/fleet/bin.js up 3`): install and CI
 * scripts use it so preparing hosts never depends on the rest of the CLI.
 * `nodemend fleet ...` is the same command.
 */
import { fleetCommand } from './cli.js';

await fleetCommand().name('fleet').parseAsync(process.argv);
