/**
 * The history a simulation's clients write: field for field the harness's `HistoryEvent`
 * (checkers/history/types.ts, which systems do not import), so a simulated history goes to the
 * same checkers as a real run's. test/systems/lib/sim/history.test.ts holds the two types together.
 */

/** One history event of a simulated client (or of the simulated nemesis). */
export interface SimEvent {
  index: number;
  /** Nanoseconds of virtual time. */
  time: number;
  type: 'invoke' | 'ok' | 'fail' | 'info';
  process: number | 'nemesis';
  f: string;
  value?: unknown;
  node?: string;
  error?: unknown;
}

/** Appends `e` to `history` with the next index, at virtual time `nowMs`. */
export function recordSimEvent(history: SimEvent[], nowMs: number, e: Omit<SimEvent, 'index' | 'time'>): void {
  history.push({ index: history.length, time: nowMs * 1_000_000, ...e });
}
