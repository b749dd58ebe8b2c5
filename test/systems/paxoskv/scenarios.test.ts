/**
 * The scenario scripts of systems/paxoskv/testdata, in both modes: dueling proposers, a proposer
 * that dies after a minority accepted its value, a minority value overwritten, a Multi-Paxos leader
 * change over slots with gaps, and each broken variant's scenario showing where it goes wrong.
 */
import { paxoskvScript } from '../../../systems/paxoskv/sim-script.js';
import { scenarioSuite } from '../../support/scenarios.js';

scenarioSuite('paxoskv', paxoskvScript);
