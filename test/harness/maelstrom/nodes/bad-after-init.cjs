#!/usr/bin/env node
// A correct echo node that, at its fifth echo, writes a line with no dest: a broken node found mid-run.
'use strict';
let echoes = 0;
require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const m = JSON.parse(line);
  const reply = (body) => process.stdout.write(`${JSON.stringify({ src: m.dest, dest: m.src, body: { ...body, in_reply_to: m.body.msg_id } })}\n`);
  if (m.body.type === 'init') reply({ type: 'init_ok' });
  else if (m.body.type === 'echo' && ++echoes === 5) process.stdout.write(`${JSON.stringify({ src: m.dest, body: { type: 'echo_ok' } })}\n`);
  else if (m.body.type === 'echo') reply({ type: 'echo_ok', echo: m.body.echo });
});
