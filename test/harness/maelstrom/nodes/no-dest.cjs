#!/usr/bin/env node
// Answers init without a dest.
'use strict';
require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const m = JSON.parse(line);
  process.stdout.write(`${JSON.stringify({ src: m.dest, body: { type: 'init_ok', in_reply_to: m.body.msg_id } })}\n`);
});
