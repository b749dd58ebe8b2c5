/**
 * txkv's shared vocabulary: variants, params, the partition map (Fixed Partitions), the peer
 * messages of Two-Phase Commit and the records a data node writes to its Write-Ahead Log.
 */
import { fnv1a } from '../../lib/hash.js';

/** The correct system and each switch that leaves one step of a pattern out. */
export const TXKV_VARIANTS = ['correct', 'no-prepare-locks', 'coordinator-no-log', 'volatile-prepare'] as const;
export type TxkvVariant = (typeof TXKV_VARIANTS)[number];

/** How many fixed partitions keys hash to. */
export const PARTITIONS = 16;

/**
 * The partition map as the Consistent Core holds it: `owners[p]` is the data node that owns
 * partition p; `version` grows by one with every change.
 */
export interface PartitionMap {
  version: number;
  owners: string[];
}

/** The map every cluster starts from: partition p on the (p mod N)-th data node, version 1. */
export function initialMap(dataNodes: readonly string[]): PartitionMap {
  const sorted = [...dataNodes].sort();
  return { version: 1, owners: Array.from({ length: PARTITIONS }, (_, p) => sorted[p % sorted.length]!) };
}

/** FNV-1a of a key's JSON text, mod the partition count: the key's partition on every node. */
export function partitionOf(key: string): number {
  return fnv1a(key) % PARTITIONS;
}

export interface TxkvParams {
  /** Ticks a coordinator waits for every vote before it aborts the transaction. */
  voteTimeoutTicks: number;
  /**
   * Ticks between a prepared participant's questions to the coordinator about the decision. More
   * than `voteTimeoutTicks`: a coordinator still collecting votes aborts when asked, so a shorter
   * interval aborts every transaction whose slowest vote takes longer than it.
   */
  queryTicks: number;
  /** Ticks between a coordinator's resends of its commit decision to participants that have not acknowledged. */
  resendTicks: number;
  /** Times a coordinator retries a transaction that lost a lock conflict before it fails it. */
  conflictRetries: number;
  /** Most transactions one coordinator runs at once; more are refused as unavailable. */
  maxActive: number;
  /** Most finished transactions a participant remembers (to refuse a late prepare of an aborted one). */
  finishedMax: number;
}

export const DEFAULT_TXKV_PARAMS: TxkvParams = {
  voteTimeoutTicks: 50,
  queryTicks: 60,
  resendTicks: 20,
  conflictRetries: 8,
  maxActive: 1000,
  finishedMax: 100_000,
};

/** A micro-operation inside the system: key as its JSON text. */
export type MicroOp = ['r' | 'append' | 'w', string, unknown];

/** Two-Phase Commit's messages between data nodes. */
export type TxkvMessage =
  /** Phase 1: the coordinator asks a participant to lock, log and vote on its part of `txn`. */
  | { type: 'Prepare'; from: string; to: string; txn: string; mapVersion: number; ops: MicroOp[]; idx: number[] }
  /** The participant's vote, with the values its reads saw (by position in the transaction). */
  | { type: 'Vote'; from: string; to: string; txn: string; yes: boolean; why: 'ok' | 'conflict' | 'not-owner' | 'finished'; reads: [number, unknown][]; mapVersion: number }
  /** Phase 2: the decision. */
  | { type: 'Decide'; from: string; to: string; txn: string; commit: boolean }
  /** A participant applied (or dropped) its part of the decision. */
  | { type: 'Ack'; from: string; to: string; txn: string }
  /** A prepared participant asks the coordinator for the decision (after a restart, or waiting too long). */
  | { type: 'Query'; from: string; to: string; txn: string };

/** What a data node writes to its log. */
export type TxkvRecord =
  /** A participant's prepare: the writes it will apply and the keys it locked. */
  | { k: 'prepare'; txn: string; coord: string; writes: [string, unknown][]; reads: string[] }
  /** A coordinator's decision, written before anyone hears it. */
  | { k: 'decision'; txn: string; commit: boolean; parts: string[] }
  /** A participant finished its part: applied the writes (commit) or dropped them (abort). */
  | { k: 'done'; txn: string; commit: boolean };

/** Who coordinates a transaction: the id names it (`<node>/<session>/<n>`). */
export function coordinatorOf(txn: string): string {
  return txn.slice(0, txn.indexOf('/'));
}
