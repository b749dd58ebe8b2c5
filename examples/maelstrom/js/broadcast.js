#!/usr/bin/env node
// Maelstrom's broadcast: a message a node learns (from a client or a neighbour) is stored and sent
// to every neighbour of the topology but the one it came from, and sent again every RETRY_MS until
// that neighbour acknowledges it, so that it crosses partitions once they heal.
// With BROKEN (broadcast-no-retry.js) each message is sent once and never again: a message sent
// into a partition is lost for good.
'use strict';
const { Node } = require('./node.js');

const RETRY_MS = 200;

function main(noRetry) {
  const node = new Node();
  const seen = new Set();
  let neighbours = [];
  /** Per neighbour: messages it has not acknowledged. */
  const unacked = new Map();

  function learn(m, from) {
    if (seen.has(m)) return;
    seen.add(m);
    for (const n of neighbours) {
      if (n === from) continue;
      if (noRetry) node.send(n, { type: 'gossip', messages: [m] });
      else unacked.get(n).add(m);
    }
  }

  node.handle('topology', (msg) => {
    neighbours = msg.body.topology[node.id] || [];
    for (const n of neighbours) unacked.set(n, new Set());
    node.reply(msg, { type: 'topology_ok' });
  });
  node.handle('broadcast', (msg) => {
    learn(msg.body.message, null);
    node.reply(msg, { type: 'broadcast_ok' });
  });
  node.handle('read', (msg) => node.reply(msg, { type: 'read_ok', messages: [...seen] }));
  node.handle('gossip', (msg) => {
    for (const m of msg.body.messages) learn(m, msg.src);
    if (!noRetry) node.send(msg.src, { type: 'gossip_ok', messages: msg.body.messages });
  });
  node.handle('gossip_ok', (msg) => {
    const pending = unacked.get(msg.src);
    if (pending) for (const m of msg.body.messages) pending.delete(m);
  });
  if (!noRetry) {
    setInterval(() => {
      for (const [n, pending] of unacked) if (pending.size > 0) node.send(n, { type: 'gossip', messages: [...pending] });
    }, RETRY_MS);
  }
  node.main();
}

if (require.main === module) main(false);
module.exports = { main };
