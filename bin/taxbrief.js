#!/usr/bin/env node
// The installed entry point: runs the compiled CLI (npm run build writes dist/).
import { main } from '../dist/pipeline/cli.js';

// `taxbrief queries | head` closes stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

process.exitCode = await main(process.argv.slice(2));
