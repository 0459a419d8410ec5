#!/usr/bin/env node
// Entry of the `byolmed3d` command: runs the built CLI.
import { main } from '../dist/cli.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err instanceof Error ? `byolmed3d: ${err.message}` : err);
    process.exitCode = 1;
  },
);
