#!/usr/bin/env node
// Maelstrom's echo: answer every echo with what it carried.
'use strict';
const { Node } = require('./node.js');

const node = new Node();
node.handle('echo', (msg) => node.reply(msg, { type: 'echo_ok', echo: msg.body.echo }));
node.main();
