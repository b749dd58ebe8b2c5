#!/usr/bin/env node
// Reads everything and answers nothing (it stays until its stdin closes).
'use strict';
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
