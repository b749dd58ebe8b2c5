#!/usr/bin/env node
// Maelstrom's g-counter and pn-counter as a state-based CRDT: each node counts its own increments
// and decrements (two grow-only maps, node id -> total) and gossips both maps every GOSSIP_MS;
// a receiver keeps the larger total per node. A read is the sum of increments minus decrements.
'use strict';
const { Node } = require('./node.js');

const GOSSIP_MS = 200;
const node = new Node();
const inc = {};
const dec = {};
const sum = (m) => Object.values(m).reduce((a, b) => a + b, 0);
const merge = (mine, theirs) => {
  for (const [n, v] of Object.entries(theirs)) mine[n] = Math.max(mine[n] ?? 0, v);
};

node.handle('add', (msg) => {
  const d = msg.body.delta;
  const m = d >= 0 ? inc : dec;
  m[node.id] = (m[node.id] ?? 0) + Math.abs(d);
  node.reply(msg, { type: 'add_ok' });
});
node.handle('read', (msg) => node.reply(msg, { type: 'read_ok', value: sum(inc) - sum(dec) }));
node.handle('replicate', (msg) => {
  merge(inc, msg.body.inc);
  merge(dec, msg.body.dec);
});
setInterval(() => {
  for (const n of node.nodeIds) if (n !== node.id) node.send(n, { type: 'replicate', inc, dec });
}, GOSSIP_MS);
node.main();
