#!/usr/bin/env node
// An echo node that, once initialised, sends 300 numbered `probe` messages to the next node, which
// logs the order they arrive in (`probe-order 0,1,2,...` on stderr): with --reorder the order
// differs from the order sent; without it a link is FIFO.
'use strict';
let self = null;
let ids = [];
const got = [];
require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const m = JSON.parse(line);
  const out = (dest, body) => process.stdout.write(`${JSON.stringify({ src: self, dest, body })}\n`);
  if (m.body.type === 'init') {
    self = m.body.node_id;
    ids = m.body.node_ids;
    out(m.src, { type: 'init_ok', in_reply_to: m.body.msg_id });
    const next = ids[(ids.indexOf(self) + 1) % ids.length];
    for (let i = 0; i < 300; i++) out(next, { type: 'probe', i });
  } else if (m.body.type === 'probe') {
    got.push(m.body.i);
    if (got.length === 300) process.stderr.write(`probe-order ${got.join(',')}\n`);
  } else if (m.body.type === 'echo') {
    out(m.src, { type: 'echo_ok', echo: m.body.echo, in_reply_to: m.body.msg_id });
  }
});
