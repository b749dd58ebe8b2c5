/**
 * The watch-stream checker (the `watch` workload). Writers write keys (`write`, ok completions
 * `[key, value, index]`: the log index of the change); watchers poll (`watch`, invoked with
 * `{stream, prefix, from, resume}`, ok completions `{from, events, up_to}`: the changes of the
 * prefix from index `from` on, complete up to index `up_to`).
 *
 * Each poll must be a gap-free, in-order run of the log: its events in increasing index order,
 * within [the index it asked for, up_to], every one agreeing with every other report of that
 * index, and every acknowledged write of the prefix with an index in that range among them (a
 * write acknowledged with index i is in the log at i, so a poll that covers i and lacks it lost
 * it). A watcher's polls follow each other (each asks from the previous one's up_to + 1), so a
 * stream is gap-free when each poll is. The final poll (`stream` -1, from index 1 after every
 * fault healed) must end at the final state: for every key, its last event is the newest
 * acknowledged write below its up_to.
 */
import type { HistoryEvent } from '../history/types.js';
import { isHarnessEvent } from '../history/types.js';
import type { LockCheck } from './lock.js';

interface Ev {
  index: number;
  key: string;
  value: unknown;
}

/** Checks the watch polls of a history against its acknowledged writes. */
export function checkWatchStreams(history: readonly HistoryEvent[]): LockCheck {
  const writes = new Map<number, { key: string; value: unknown; at: number }>();
  const invokes = new Map<number, HistoryEvent>();
  const polls: { inv: HistoryEvent; done: HistoryEvent }[] = [];
  for (const e of history) {
    if (isHarnessEvent(e)) continue;
    const p = e.process as number;
    if (e.type === 'invoke') {
      invokes.set(p, e);
      continue;
    }
    const inv = invokes.get(p);
    invokes.delete(p);
    if (e.type !== 'ok' || inv === undefined) continue;
    if (e.f === 'write' && Array.isArray(e.value) && typeof e.value[2] === 'number') writes.set(e.value[2], { key: String(e.value[0]), value: e.value[1], at: e.index });
    if (e.f === 'watch') polls.push({ inv, done: e });
  }
  const seen = new Map<number, Ev>();
  let events = 0;
  let finalPoll: { inv: HistoryEvent; done: HistoryEvent } | null = null;
  for (const { inv, done } of polls) {
    const ask = inv.value as { stream: number; prefix: string; from: number };
    const got = done.value as { events: Ev[]; up_to: number };
    if (ask.stream === -1) finalPoll = { inv, done };
    let last = ask.from - 1;
    for (const ev of got.events) {
      events++;
      if (ev.index <= last || ev.index > got.up_to) {
        return bad(done, `watch stream ${ask.stream}: event at index ${ev.index} out of order or outside ${ask.from}..${got.up_to} (after ${last})`);
      }
      if (!ev.key.startsWith(ask.prefix)) return bad(done, `watch stream ${ask.stream}: event for key ${ev.key} outside prefix ${ask.prefix}`);
      const other = seen.get(ev.index);
      if (other !== undefined && (other.key !== ev.key || JSON.stringify(other.value) !== JSON.stringify(ev.value))) {
        return bad(done, `two watches disagree on index ${ev.index}: ${other.key}=${JSON.stringify(other.value)} and ${ev.key}=${JSON.stringify(ev.value)}`);
      }
      const w = writes.get(ev.index);
      if (w !== undefined && (w.key !== ev.key || JSON.stringify(w.value) !== JSON.stringify(ev.value))) {
        return bad(done, `watch stream ${ask.stream}: index ${ev.index} is ${ev.key}=${JSON.stringify(ev.value)}, but the write acknowledged there was ${w.key}=${JSON.stringify(w.value)}`);
      }
      seen.set(ev.index, ev);
      last = ev.index;
    }
    const have = new Set(got.events.map((ev) => ev.index));
    for (const [index, w] of writes) {
      if (index >= ask.from && index <= got.up_to && w.key.startsWith(ask.prefix) && !have.has(index)) {
        return bad(done, `watch stream ${ask.stream} asked from index ${ask.from} and got events up to ${got.up_to}, but not the write of ${w.key}=${JSON.stringify(w.value)} acknowledged at index ${index}: a gap`);
      }
    }
  }
  if (polls.length === 0) return { valid: 'unknown', explanation: 'no watch poll answered', firstIndex: null };
  if (finalPoll === null) return { valid: 'unknown', explanation: `${polls.length} polls, ${events} events gap-free and in order; no final watch answered, so the end state is not checked`, firstIndex: null };
  const got = finalPoll.done.value as { events: Ev[]; up_to: number };
  const lastByKey = new Map<string, Ev>();
  for (const ev of got.events) lastByKey.set(ev.key, ev);
  const newestWrite = new Map<string, { index: number; value: unknown }>();
  for (const [index, w] of writes) if (index <= got.up_to && (newestWrite.get(w.key)?.index ?? 0) < index) newestWrite.set(w.key, { index, value: w.value });
  for (const [key, w] of newestWrite) {
    const ev = lastByKey.get(key);
    if (ev === undefined || ev.index < w.index) {
      return bad(finalPoll.done, `the final watch (up to ${got.up_to}) ends ${key} at ${ev === undefined ? 'nothing' : `index ${ev.index}`}, not at its newest acknowledged write (index ${w.index})`);
    }
  }
  return { valid: true, explanation: `${polls.length} polls, ${events} events: every stream gap-free and in order, the final watch ending at the final state`, firstIndex: null };
}

function bad(at: HistoryEvent, explanation: string): LockCheck {
  return { valid: false, explanation, firstIndex: at.index };
}
