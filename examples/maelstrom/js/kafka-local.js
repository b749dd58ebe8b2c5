#!/usr/bin/env node
// BROKEN on purpose: logs kept per node, never shared. Caught as inconsistent-offsets (and lost-write).
'use strict';
require('./kafka.js').main(true);
