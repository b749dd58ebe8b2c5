/** The list of sub-commands, in the order `faultline --help` shows them. */
import type { Command } from 'commander';
import { register as check } from './check.js';
import { register as run } from './run.js';
import { register as recheck } from './recheck.js';
import { register as toxiproxy } from './toxiproxy.js';
import { register as report } from './report.js';
import { register as serve } from './serve.js';
import { register as compare } from './compare.js';
import { register as suite } from './suite.js';
import { register as hunt } from './hunt.js';
import { register as mutate } from './mutate.js';
import { register as maelstrom } from './maelstrom.js';

export const commands: Array<(program: Command) => void> = [check, run, recheck, toxiproxy, report, serve, compare, suite, hunt, mutate, maelstrom];
