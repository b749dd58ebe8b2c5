/**
 * walkv's core without a disk or a socket: what each request does to the map and which record it
 * logs, and the decisions each variant changes (Low-Water Mark, waiting for fsync, checksums).
 */
import { describe, expect, it } from 'vitest';
import { decodeSet } from '../../../systems/walkv/core/codec.js';
import { WalKvCore } from '../../../systems/walkv/core/store.js';

describe('walkv core', () => {
  it('logs a set for each write and successful cas, nothing for reads and failed cas', () => {
    const core = new WalKvCore('correct');
    expect(core.read(1)).toEqual({ reply: { type: 'read_ok', value: null }, record: null });
    expect(core.cas(1, 0, 1)).toMatchObject({ reply: { type: 'error', code: 20 }, record: null });
    const w = core.write(1, 5);
    expect(w.reply).toEqual({ type: 'write_ok' });
    expect(decodeSet(w.record!)).toEqual({ key: 1, value: 5 });
    expect(core.cas(1, 4, 6)).toMatchObject({ reply: { type: 'error', code: 22, text: 'expected 4, found 5' }, record: null });
    const c = core.cas(1, 5, 6);
    expect(c.reply).toEqual({ type: 'cas_ok' });
    expect(decodeSet(c.record!)).toEqual({ key: 1, value: 6 });
    expect(core.read(1).reply).toEqual({ type: 'read_ok', value: 6 });
    // 1 and "1" are different keys.
    expect(core.read('1').reply).toEqual({ type: 'read_ok', value: null });
    expect(core.stats).toMatchObject({ writes: 1, reads: 3, casOk: 1, casFail: 2 });
  });

  it('keeps the Low-Water Mark at the last snapshot, except truncate-before-snapshot', () => {
    expect(new WalKvCore('correct').lowWaterMark(90, 40)).toBe(40);
    expect(new WalKvCore('truncate-before-snapshot').lowWaterMark(90, 40)).toBe(90);
    expect(new WalKvCore('correct').snapshotDue(540, 40, 500)).toBe(true);
    expect(new WalKvCore('correct').snapshotDue(539, 40, 500)).toBe(false);
  });

  it('holds replies for fsync and writes checksums unless the variant leaves that out', () => {
    expect(new WalKvCore('correct').repliesWaitForSync()).toBe(true);
    expect(new WalKvCore('ack-before-fsync').repliesWaitForSync()).toBe(false);
    expect(new WalKvCore('ack-before-fsync').flushesOnTimer()).toBe(true);
    expect(new WalKvCore('correct').checksums()).toBe(true);
    expect(new WalKvCore('no-crc').checksums()).toBe(false);
  });
});
