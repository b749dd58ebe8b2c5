#!/usr/bin/env node
// BROKEN on purpose: no gossip at all. Caught by set-full as lost elements.
'use strict';
require('./g-set.js').main(true);
