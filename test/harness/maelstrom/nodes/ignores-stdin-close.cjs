#!/usr/bin/env node
// An echo node that ignores the end of its stdin and SIGTERM: only SIGKILL ends it.
'use strict';
process.on('SIGTERM', () => {});
const rl = require('node:readline').createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const m = JSON.parse(line);
  const type = m.body.type === 'init' ? 'init_ok' : 'echo_ok';
  process.stdout.write(`${JSON.stringify({ src: m.dest, dest: m.src, body: { type, echo: m.body.echo, in_reply_to: m.body.msg_id } })}\n`);
});
rl.on('close', () => setInterval(() => {}, 1000));
