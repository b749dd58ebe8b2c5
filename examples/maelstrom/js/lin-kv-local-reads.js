#!/usr/bin/env node
// BROKEN on purpose: reads answered from the node's own cache of what it wrote. Caught as a
// linearizability violation (a stale read) once clients of two nodes share a key.
'use strict';
require('./lin-kv.js').main(true);
