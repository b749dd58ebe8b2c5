/**
 * The scenario scripts of systems/raftkv/testdata: each file drives a cluster by hand and states
 * the output every command must print (etcd raft's datadriven tests).
 */
import { raftkvScript } from '../../../systems/raftkv/sim-script.js';
import { scenarioSuite } from '../../support/scenarios.js';

scenarioSuite('raftkv', raftkvScript);
