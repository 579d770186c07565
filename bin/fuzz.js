#!/usr/bin/env node
// npm run fuzz -- [--cases N] [--seed S] [--cli N] [--timeout MS]
await import('../dist/fuzz/main.js');
