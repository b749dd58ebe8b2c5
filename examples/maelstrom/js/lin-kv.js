#!/usr/bin/env node
// Maelstrom's lin-kv workload, served by Maelstrom's lin-kv service: every read, write and cas is
// forwarded to the service, so the node is exactly as linearizable as the service is.
// With BROKEN (lin-kv-local-reads.js) a node answers reads from its own cache of the values it
// wrote, and never sees what other nodes wrote since: stale reads, not linearizable.
'use strict';
const { Node } = require('./node.js');

function main(localReads) {
  const node = new Node();
  const cache = new Map();

  async function forward(msg, body) {
    let reply;
    try {
      reply = await node.rpc('lin-kv', body, 800);
    } catch {
      // The service may still have applied it: indefinite.
      node.reply(msg, { type: 'error', code: 0, text: 'lin-kv did not answer in time' });
      return null;
    }
    const { msg_id: _m, in_reply_to: _r, ...rest } = reply;
    node.reply(msg, rest);
    return reply;
  }

  node.handle('read', async (msg) => {
    const k = JSON.stringify(msg.body.key);
    if (localReads && cache.has(k)) {
      node.reply(msg, { type: 'read_ok', value: cache.get(k) });
      return;
    }
    await forward(msg, { type: 'read', key: msg.body.key });
  });
  node.handle('write', async (msg) => {
    const r = await forward(msg, { type: 'write', key: msg.body.key, value: msg.body.value });
    if (r && r.type === 'write_ok') cache.set(JSON.stringify(msg.body.key), msg.body.value);
  });
  node.handle('cas', async (msg) => {
    const { key, from, to } = msg.body;
    const r = await forward(msg, { type: 'cas', key, from, to });
    if (r && r.type === 'cas_ok') cache.set(JSON.stringify(key), to);
  });
  node.main();
}

if (require.main === module) main(false);
module.exports = { main };
