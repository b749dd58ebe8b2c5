/** The consistency-model tables: which anomalies each model prohibits and which models a set of anomalies rules out. */
import { expect, test } from 'vitest';
import { anomaliesProhibitedBy, boundary, impliedModels, isConsistencyModel } from '../../../checkers/transactional/models.js';
import { CONSISTENCY_MODELS } from '../../../checkers/transactional/types.js';

test('what each model prohibits', () => {
  const rc = anomaliesProhibitedBy('read-committed');
  expect([...rc]).toEqual(expect.arrayContaining(['G0', 'G1a', 'G1b', 'G1c', 'incompatible-order', 'dirty-update']));
  expect(rc.has('G-single')).toBe(false);
  const si = anomaliesProhibitedBy('snapshot-isolation');
  expect(si.has('G-single')).toBe(true);
  expect(si.has('G-nonadjacent')).toBe(true);
  expect(si.has('lost-update')).toBe(true);
  expect(si.has('G2-item')).toBe(false);
  const ser = anomaliesProhibitedBy('serializable');
  expect(ser.has('G2-item')).toBe(true);
  expect(ser.has('G-single-realtime')).toBe(false);
  expect(anomaliesProhibitedBy('strict-serializable').has('G-single-realtime')).toBe(true);
  expect(anomaliesProhibitedBy('strong-session-serializable').has('G2-item-process')).toBe(true);
  expect(anomaliesProhibitedBy('strong-session-serializable').has('G2-item-realtime')).toBe(false);
});

test('a stronger model prohibits everything a weaker one does', () => {
  for (const strong of CONSISTENCY_MODELS) {
    for (const weak of impliedModels(strong)) {
      for (const a of anomaliesProhibitedBy(weak)) expect(anomaliesProhibitedBy(strong).has(a), `${strong} vs ${weak}: ${a}`).toBe(true);
    }
  }
});

test('the boundary names the weakest models ruled out', () => {
  expect(boundary(['G2-item'])).toEqual({ not: ['repeatable-read'], alsoNot: ['serializable', 'strong-session-serializable', 'strict-serializable'] });
  expect(boundary(['G-single']).not).toEqual(['repeatable-read', 'snapshot-isolation']);
  expect(boundary(['G0']).not).toEqual(['read-uncommitted']);
  expect(boundary(['G1c-realtime']).not).toEqual(['strong-read-committed']);
  expect(boundary(['G-single-realtime']).not).toEqual(['strong-snapshot-isolation']);
  expect(boundary(['internal']).not).toEqual(['snapshot-isolation']);
  expect(boundary([])).toEqual({ not: [], alsoNot: [] });
});

test('model names', () => {
  expect(isConsistencyModel('serializable')).toBe(true);
  expect(isConsistencyModel('linearizable')).toBe(false);
});
