#!/usr/bin/env node
// BROKEN on purpose: one global counter in Maelstrom's seq-kv, incremented by a read and then a
// write, with no cas. Two adds that read the same value both write value + delta: one increment
// is lost. Caught by the counter bounds rule: a final read below the sum of acknowledged adds.
'use strict';
const { Node } = require('./node.js');

const node = new Node();
const KEY = 'counter';

async function current() {
  const r = await node.rpc('seq-kv', { type: 'read', key: KEY }, 800);
  return r.type === 'read_ok' ? r.value : 0;
}

node.handle('add', async (msg) => {
  const v = await current();
  await node.rpc('seq-kv', { type: 'write', key: KEY, value: v + msg.body.delta }, 800);
  node.reply(msg, { type: 'add_ok' });
});
node.handle('read', async (msg) => node.reply(msg, { type: 'read_ok', value: await current() }));
node.main();
