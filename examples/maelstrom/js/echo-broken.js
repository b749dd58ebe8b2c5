#!/usr/bin/env node
// BROKEN on purpose: echoes every tenth message with its text cut short. Caught as unexpected-echo.
'use strict';
const { Node } = require('./node.js');

const node = new Node();
let n = 0;
node.handle('echo', (msg) => {
  const text = String(msg.body.echo);
  node.reply(msg, { type: 'echo_ok', echo: ++n % 10 === 0 ? text.slice(0, -1) : msg.body.echo });
});
node.main();
