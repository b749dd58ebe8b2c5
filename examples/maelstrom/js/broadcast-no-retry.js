#!/usr/bin/env node
// BROKEN on purpose: gossips each message once, never again. Under a partition, caught by
// set-full as lost messages (read by no node in the end but the ones that had them).
'use strict';
require('./broadcast.js').main(true);
