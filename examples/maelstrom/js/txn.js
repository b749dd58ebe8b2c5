#!/usr/bin/env node
// Maelstrom's txn-list-append and txn-rw-register on Maelstrom's lin-kv service: the whole
// database is one value under one lin-kv key. A transaction reads it, applies its micro-operations
// to a copy, and installs the copy with a cas from the value it read; a cas that lost to another
// transaction starts over. Every transaction is one atomic step of the service: strict serializable.
// With BROKEN (txn-local.js) every node keeps its own database and tells no one: transactions on
// different nodes never see each other.
'use strict';
const { Node } = require('./node.js');

const ROOT = 'root';
const ATTEMPTS_MAX = 20;

function apply(db, txn) {
  const next = { ...db };
  const result = txn.map(([f, k, v]) => {
    if (f === 'r') return [f, k, next[k] === undefined ? null : next[k]];
    if (f === 'append') next[k] = [...(next[k] || []), v];
    else next[k] = v;
    return [f, k, v];
  });
  return { next, result };
}

function main(local) {
  const node = new Node();
  let localDb = {};

  node.handle('txn', async (msg) => {
    if (local) {
      const { next, result } = apply(localDb, msg.body.txn);
      localDb = next;
      node.reply(msg, { type: 'txn_ok', txn: result });
      return;
    }
    for (let attempt = 0; attempt < ATTEMPTS_MAX; attempt++) {
      let read;
      try {
        read = await node.rpc('lin-kv', { type: 'read', key: ROOT }, 800);
      } catch {
        node.reply(msg, { type: 'error', code: 11, text: 'lin-kv did not answer the read' });
        return;
      }
      const db = read.type === 'read_ok' ? read.value : {};
      const { next, result } = apply(db, msg.body.txn);
      let cas;
      try {
        cas = await node.rpc('lin-kv', { type: 'cas', key: ROOT, from: db, to: next, create_if_not_exists: read.type !== 'read_ok' }, 800);
      } catch {
        // The cas may have been applied: indefinite.
        node.reply(msg, { type: 'error', code: 0, text: 'lin-kv did not answer the cas' });
        return;
      }
      if (cas.type === 'cas_ok') {
        node.reply(msg, { type: 'txn_ok', txn: result });
        return;
      }
    }
    node.reply(msg, { type: 'error', code: 30, text: `lost ${ATTEMPTS_MAX} times to other transactions` });
  });
  node.main();
}

if (require.main === module) main(false);
module.exports = { main };
