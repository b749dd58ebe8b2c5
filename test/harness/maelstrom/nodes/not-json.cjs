#!/usr/bin/env node
// Answers init, then writes a line that is no JSON: the shim must stop with one clear error.
'use strict';
require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const m = JSON.parse(line);
  if (m.body.type === 'init') process.stdout.write('hello, I am not JSON\n');
});
