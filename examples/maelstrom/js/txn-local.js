#!/usr/bin/env node
// BROKEN on purpose: each node has a database of its own, never shared. Caught by the Elle-class
// checker (transactions that cannot be ordered, e.g. incompatible-order or G-single) once clients of two nodes share a key.
'use strict';
require('./txn.js').main(true);
