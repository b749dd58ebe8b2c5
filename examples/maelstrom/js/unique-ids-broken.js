#!/usr/bin/env node
// BROKEN on purpose: ids are a per-node counter only, so two nodes give the same id. Caught as duplicated-id.
'use strict';
require('./unique-ids.js').main(true);
