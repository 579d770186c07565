#!/usr/bin/env node
// npm run fault -- [--trials N] [--seed S] [--only kill,chromium,enospc,smtp-drop] (see --help)
const { main } = await import('../dist/fault/main.js');
process.exitCode = await main(process.argv.slice(2));
