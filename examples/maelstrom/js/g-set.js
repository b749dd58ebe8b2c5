#!/usr/bin/env node
// Maelstrom's g-set as a state-based CRDT: every GOSSIP_MS each node sends its whole set to every
// other node, which takes the union. Partitions only delay it.
// With BROKEN (g-set-no-gossip.js) nodes never gossip: an element is read only on its own node.
'use strict';
const { Node } = require('./node.js');

const GOSSIP_MS = 200;

function main(noGossip) {
  const node = new Node();
  const set = new Set();
  node.handle('add', (msg) => {
    set.add(msg.body.element);
    node.reply(msg, { type: 'add_ok' });
  });
  node.handle('read', (msg) => node.reply(msg, { type: 'read_ok', value: [...set] }));
  node.handle('replicate', (msg) => {
    for (const e of msg.body.value) set.add(e);
  });
  if (!noGossip) {
    setInterval(() => {
      for (const n of node.nodeIds) if (n !== node.id) node.send(n, { type: 'replicate', value: [...set] });
    }, GOSSIP_MS);
  }
  node.main();
}

if (require.main === module) main(false);
module.exports = { main };
