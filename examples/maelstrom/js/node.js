// A minimal Maelstrom node library in plain Node.js (no dependencies): read one JSON message a
// line on stdin, write them on stdout, log on stderr. `handle(type, fn)` registers a handler;
// `reply`, `send` and `rpc` (a request whose reply resolves a promise) are what handlers use.
// It behaves as Maelstrom's own libraries do: `init` sets the node's id and peers and is
// answered with init_ok; message ids start at 1; a message type with no handler is logged and
// answered with error 10 (not-supported).
'use strict';
const readline = require('node:readline');

class Node {
  constructor() {
    this.id = null;
    this.nodeIds = [];
    this.nextMsgId = 1;
    this.handlers = new Map();
    this.callbacks = new Map();
    this.handle('init', (msg) => {
      this.id = msg.body.node_id;
      this.nodeIds = msg.body.node_ids;
      if (this.onInit) this.onInit();
      this.reply(msg, { type: 'init_ok' });
    });
  }

  log(...parts) {
    process.stderr.write(`${parts.join(' ')}\n`);
  }

  handle(type, fn) {
    this.handlers.set(type, fn);
  }

  send(dest, body) {
    process.stdout.write(`${JSON.stringify({ src: this.id, dest, body })}\n`);
  }

  reply(req, body) {
    this.send(req.src, { ...body, in_reply_to: req.body.msg_id });
  }

  /** Sends a request; resolves with the reply body, or rejects after timeoutMs. */
  rpc(dest, body, timeoutMs = 1000) {
    const msgId = this.nextMsgId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.callbacks.delete(msgId);
        reject(new Error(`rpc ${body.type} to ${dest} timed out`));
      }, timeoutMs);
      this.callbacks.set(msgId, (reply) => {
        clearTimeout(timer);
        resolve(reply.body);
      });
      this.send(dest, { ...body, msg_id: msgId });
    });
  }

  main() {
    const rl = readline.createInterface({ input: process.stdin });
    rl.on('line', (line) => {
      if (line.trim() === '') return;
      const msg = JSON.parse(line);
      const cb = msg.body.in_reply_to !== undefined ? this.callbacks.get(msg.body.in_reply_to) : undefined;
      if (cb) {
        this.callbacks.delete(msg.body.in_reply_to);
        cb(msg);
        return;
      }
      const fn = this.handlers.get(msg.body.type);
      if (!fn) {
        if (msg.body.in_reply_to !== undefined) return; // a late reply
        this.log(`no handler for ${msg.body.type}`);
        this.reply(msg, { type: 'error', code: 10, text: `not supported: ${msg.body.type}` });
        return;
      }
      Promise.resolve(fn(msg)).catch((err) => {
        this.log(`handler ${msg.body.type} failed: ${err.message}`);
        if (msg.body.msg_id !== undefined) this.reply(msg, { type: 'error', code: 13, text: err.message });
      });
    });
    rl.on('close', () => process.exit(0));
  }
}

module.exports = { Node };
