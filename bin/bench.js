#!/usr/bin/env node
// npm run bench -- [SUITE ...] [--scale demo|tenth|province] [--runs N]
await import('../dist/bench/main.js');
