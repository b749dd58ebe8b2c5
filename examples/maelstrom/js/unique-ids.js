#!/usr/bin/env node
// Maelstrom's unique-ids: an id is the node's id, its process id and a counter of its own, so no
// two nodes can give the same one, and no node needs another to answer (total availability).
// The process id matters: a node killed with kill -9 starts again with its counter at 0 (nothing
// is on disk), and without it would give the ids of its previous life again.
// With BROKEN (unique-ids-broken.js) the node id is left out: nodes give the same ids.
'use strict';
const { Node } = require('./node.js');

function main(broken) {
  const node = new Node();
  let next = 0;
  node.handle('generate', (msg) => {
    next++;
    node.reply(msg, { type: 'generate_ok', id: broken ? next : `${node.id}-${process.pid}-${next}` });
  });
  node.main();
}

if (require.main === module) main(false);
module.exports = { main };
