#!/usr/bin/env node
// Maelstrom's kafka on Maelstrom's lin-kv service: each key's log is one lin-kv value (a list of
// messages, a message's offset its index), appended with a cas from the list read, retried when
// another send won; committed offsets are lin-kv values too, raised with a cas.
// With BROKEN (kafka-local.js) every node keeps logs of its own: two nodes give the same offset to
// different messages, and a poll through one node never sees what was sent through another.
'use strict';
const { Node } = require('./node.js');

const ATTEMPTS_MAX = 30;

function main(local) {
  const node = new Node();
  const logs = new Map();
  const committed = new Map();

  async function read(key) {
    const r = await node.rpc('lin-kv', { type: 'read', key }, 800);
    return r.type === 'read_ok' ? r.value : null;
  }

  async function casLoop(key, change) {
    for (let i = 0; i < ATTEMPTS_MAX; i++) {
      const before = await read(key);
      const after = change(before);
      if (after === undefined) return before;
      const r = await node.rpc('lin-kv', { type: 'cas', key, from: before, to: after, create_if_not_exists: before === null }, 800);
      if (r.type === 'cas_ok') return after;
    }
    throw new Error(`lost ${ATTEMPTS_MAX} times on ${key}`);
  }

  node.handle('send', async (msg) => {
    const { key, msg: m } = msg.body;
    if (local) {
      const log = logs.get(key) || [];
      log.push(m);
      logs.set(key, log);
      node.reply(msg, { type: 'send_ok', offset: log.length - 1 });
      return;
    }
    const log = await casLoop(`log-${key}`, (before) => [...(before || []), m]);
    node.reply(msg, { type: 'send_ok', offset: log.length - 1 });
  });

  node.handle('poll', async (msg) => {
    const msgs = {};
    for (const [key, from] of Object.entries(msg.body.offsets)) {
      const log = local ? logs.get(key) || [] : (await read(`log-${key}`)) || [];
      msgs[key] = log.slice(from).map((m, i) => [from + i, m]);
    }
    node.reply(msg, { type: 'poll_ok', msgs });
  });

  node.handle('commit_offsets', async (msg) => {
    for (const [key, offset] of Object.entries(msg.body.offsets)) {
      if (local) committed.set(key, Math.max(committed.get(key) ?? 0, offset));
      else await casLoop(`committed-${key}`, (before) => (before !== null && before >= offset ? undefined : offset));
    }
    node.reply(msg, { type: 'commit_offsets_ok' });
  });

  node.handle('list_committed_offsets', async (msg) => {
    const offsets = {};
    for (const key of msg.body.keys) {
      const o = local ? committed.get(key) : await read(`committed-${key}`);
      if (o !== undefined && o !== null) offsets[key] = o;
    }
    node.reply(msg, { type: 'list_committed_offsets_ok', offsets });
  });
  node.main();
}

if (require.main === module) main(false);
module.exports = { main };
