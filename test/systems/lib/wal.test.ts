/**
 * Write-Ahead Log: recovery of synced records, torn tails, CRC damage, segment rolling, snapshots
 * with Low-Water Mark compaction, the no-checksum mode, and honest durability under a real kill -9.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../systems/lib/rng.js';
import { RECORD_HEADER_BYTES, Wal, WalCorruptError } from '../../../systems/lib/wal.js';
import { repoRoot, tempDir, removeTempDirs } from '../../support/systems.js';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');
const texts = (w: Wal): string[] => w.recovery.records.map((r) => r.data.toString('utf8'));
const segFiles = (dir: string): string[] => readdirSync(dir).filter((n) => n.endsWith('.wal')).sort();

afterAll(() => removeTempDirs());

/** After recovery the log takes the next record at `index`, and keeps it through a sync and a reopen. */
async function expectAppendAfterRecovery(w: Wal, dir: string, text: string, index: number, all: string[]): Promise<void> {
  expect(w.append(b(text))).toBe(index);
  await w.sync();
  await w.close();
  expect(texts(await Wal.open({ dir }))).toEqual(all);
}

/** Runs `script` in a child Node process and kills it with SIGKILL once it prints `word`. */
async function killWhenItSays(script: string, word: string): Promise<void> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((res, rej) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes(word) && res());
    child.on('exit', (c) => rej(new Error(`child exited ${c}`)));
  });
  const gone = new Promise((res) => child.on('exit', res));
  child.kill('SIGKILL');
  await gone;
}

/** A log of small segments holding v1..v20, each synced on its own (so they span many segments). */
async function twentySyncedRecords(): Promise<{ dir: string; w: Wal }> {
  const dir = tempDir();
  const w = await Wal.open({ dir, segmentBytes: 80 });
  for (let i = 1; i <= 20; i++) {
    w.append(b(`v${i}`));
    await w.sync();
  }
  return { dir, w };
}

describe('Wal', () => {
  it('replays synced records in order after reopening, and continues their indexes', async () => {
    // Arrange
    const dir = tempDir();
    const w = await Wal.open({ dir });
    // Act
    expect(w.append(b('a'))).toBe(1);
    expect(w.append(b('b'))).toBe(2);
    expect(await w.sync()).toBe(2);
    await w.close();
    const w2 = await Wal.open({ dir });
    // Assert
    expect(texts(w2)).toEqual(['a', 'b']);
    expect(w2.recovery.truncatedBytes).toBe(0);
    await expectAppendAfterRecovery(w2, dir, 'c', 3, ['a', 'b', 'c']);
  });

  it('keeps appended records in memory only until sync', async () => {
    const dir = tempDir();
    const w = await Wal.open({ dir });
    w.append(b('x'));
    w.append(b('y'));
    // Nothing written yet: the segment file is empty.
    expect(statSync(join(dir, segFiles(dir)[0]!)).size).toBe(0);
    expect(w.syncedIndex).toBe(0);
    await w.close(); // closing without sync drops them, like a crash
    const w2 = await Wal.open({ dir });
    expect(texts(w2)).toEqual([]);
    expect(w2.lastIndex).toBe(0);
  });

  it('group-commits appends made while a sync runs', async () => {
    const dir = tempDir();
    const w = await Wal.open({ dir });
    w.append(b('1'));
    const p1 = w.sync();
    w.append(b('2'));
    const p2 = w.sync();
    w.append(b('3'));
    const p3 = w.sync();
    expect(p2).toBe(p3); // one queued sync serves both
    expect(await p1).toBe(1);
    expect(await p3).toBe(3);
    await w.close();
  });

  it('cuts a torn tail (a record cut short) and keeps every record before it', async () => {
    const dir = tempDir();
    const w = await Wal.open({ dir });
    for (const s of ['one', 'two', 'three']) w.append(b(s));
    await w.sync();
    await w.close();
    const seg = join(dir, segFiles(dir)[0]!);
    const size = statSync(seg).size;
    truncateSync(seg, size - 2); // the last record lost its last two bytes
    const w2 = await Wal.open({ dir });
    expect(texts(w2)).toEqual(['one', 'two']);
    expect(w2.recovery.truncatedReason).toBe('short record');
    expect(statSync(seg).size).toBe(size - (RECORD_HEADER_BYTES + 5)); // the cut is made on disk
    await expectAppendAfterRecovery(w2, dir, 'four', 3, ['one', 'two', 'four']);
  });

  it('cuts a tail whose CRC does not match (a torn write that kept its length)', async () => {
    const dir = tempDir();
    const w = await Wal.open({ dir });
    w.append(b('alpha'));
    w.append(b('omega'));
    await w.sync();
    await w.close();
    const seg = join(dir, segFiles(dir)[0]!);
    const buf = readFileSync(seg);
    buf.fill(0, buf.length - 3); // last 3 payload bytes never reached the disk
    writeFileSync(seg, buf);
    const w2 = await Wal.open({ dir });
    expect(texts(w2)).toEqual(['alpha']);
    expect(w2.recovery.truncatedReason).toBe('crc mismatch');
    await w2.close();
  });

  it('without checksums replays a zero-filled torn record as if it were whole', async () => {
    const dir = tempDir();
    const w = await Wal.open({ dir, checksums: false });
    w.append(b('alpha'));
    w.append(b('omega'));
    await w.sync();
    await w.close();
    const seg = join(dir, segFiles(dir)[0]!);
    const buf = readFileSync(seg);
    buf.fill(0, buf.length - 3);
    writeFileSync(seg, buf);
    const w2 = await Wal.open({ dir, checksums: false });
    expect(texts(w2)).toEqual(['alpha', 'om\0\0\0']);
    await w2.close();
  });

  it('refuses to recover damage inside a sealed segment', async () => {
    const dir = tempDir();
    const w = await Wal.open({ dir, segmentBytes: 64 });
    for (let i = 0; i < 20; i++) {
      w.append(b(`record-${i}`));
      await w.sync();
    }
    await w.close();
    const segs = segFiles(dir);
    expect(segs.length).toBeGreaterThan(2);
    const first = join(dir, segs[0]!);
    const buf = readFileSync(first);
    buf[RECORD_HEADER_BYTES + 1] = buf[RECORD_HEADER_BYTES + 1]! ^ 0xff; // flip a payload byte
    writeFileSync(first, buf);
    await expect(Wal.open({ dir, segmentBytes: 64 })).rejects.toThrow(WalCorruptError);
  });

  it('rolls segments at the size limit, names each by its first index, and reads across them', async () => {
    const dir = tempDir();
    const w = await Wal.open({ dir, segmentBytes: 100 });
    const want: string[] = [];
    for (let i = 0; i < 30; i++) {
      want.push(`r${i}`);
      w.append(b(`r${i}`));
      if (i % 3 === 2) await w.sync();
    }
    await w.close();
    const segs = segFiles(dir);
    expect(segs.length).toBeGreaterThan(3);
    const firsts = segs.map((n) => Number(/seg-(\d+)/.exec(n)![1]));
    expect(firsts[0]).toBe(1);
    expect(firsts).toEqual([...firsts].sort((x, y) => x - y));
    const w2 = await Wal.open({ dir, segmentBytes: 100 });
    expect(texts(w2)).toEqual(want);
    expect(w2.recovery.records.map((r) => r.index)).toEqual(want.map((_, i) => i + 1));
    await w2.close();
  });

  it('compacts below a durable snapshot and recovers snapshot + later records', async () => {
    const { dir, w } = await twentySyncedRecords();
    const before = w.segmentCount;
    await w.saveSnapshot(15, b('state@15'));
    const discarded = w.discardBefore(15);
    expect(discarded).toBeGreaterThan(0);
    expect(w.segmentCount).toBe(before - discarded);
    for (let i = 21; i <= 23; i++) w.append(b(`v${i}`));
    await w.sync();
    await w.close();
    const w2 = await Wal.open({ dir, segmentBytes: 80 });
    expect(w2.recovery.snapshot?.index).toBe(15);
    expect(w2.recovery.snapshot?.data.toString()).toBe('state@15');
    expect(texts(w2)).toEqual(['v16', 'v17', 'v18', 'v19', 'v20', 'v21', 'v22', 'v23']);
    expect(w2.recovery.gap).toBeNull();
    expect(w2.lastIndex).toBe(23);
    await w2.close();
  });

  it('reports the gap left by discarding segments that no snapshot covers', async () => {
    const { dir, w } = await twentySyncedRecords();
    w.discardBefore(w.syncedIndex); // no snapshot: the wrong Low-Water Mark
    await w.close();
    const w2 = await Wal.open({ dir, segmentBytes: 80 });
    expect(w2.recovery.snapshot).toBeNull();
    expect(w2.recovery.gap?.from).toBe(1);
    expect(w2.recovery.records[0]!.index).toBe(w2.recovery.gap!.to + 1);
    await w2.close();
  });

  it('ignores a damaged newer snapshot and falls back to the older one', async () => {
    const dir = tempDir();
    const w = await Wal.open({ dir });
    for (let i = 1; i <= 4; i++) w.append(b(`v${i}`));
    await w.sync();
    await w.saveSnapshot(2, b('s2'));
    await w.close();
    // A half-written newer snapshot (as if the rename raced a crash with a bad disk).
    writeFileSync(join(dir, `snap-${String(4).padStart(20, '0')}.snap`), b('garbage'));
    const w2 = await Wal.open({ dir });
    expect(w2.recovery.snapshot?.index).toBe(2);
    expect(texts(w2)).toEqual(['v3', 'v4']);
    await w2.close();
  });

  it('with the torn-write disk model, a completed sync is whole and intact', async () => {
    const dir = tempDir();
    const w = await Wal.open({ dir, tornWrite: { windowMs: 1, rng: new Rng(7) } });
    for (let i = 0; i < 10; i++) w.append(b(`t${i}`));
    await w.sync();
    await w.close();
    const w2 = await Wal.open({ dir });
    expect(texts(w2)).toHaveLength(10);
    expect(w2.recovery.truncatedBytes).toBe(0);
    await w2.close();
  });

  it('loses exactly the unsynced records when the process is killed with SIGKILL', async () => {
    // Arrange: a child process (built JS) appends 3 synced and 2 unsynced records, then waits.
    const dir = tempDir();
    const walJs = join(repoRoot, 'dist', 'systems', 'lib', 'wal.js');
    statSync(walJs); // the build must exist
    const script = `
      const { Wal } = await import(${JSON.stringify(walJs)});
      const w = await Wal.open({ dir: ${JSON.stringify(dir)} });
      for (const s of ['s1', 's2', 's3']) w.append(Buffer.from(s));
      await w.sync();
      w.append(Buffer.from('u1')); w.append(Buffer.from('u2'));
      process.stdout.write('appended\\n');
      setInterval(() => {}, 1000);`;
    // Act: kill -9 once it says so, then recover.
    await killWhenItSays(script, 'appended');
    const w = await Wal.open({ dir });
    // Assert
    expect(texts(w)).toEqual(['s1', 's2', 's3']);
    await w.close();
  });

  it('after a kill inside the torn-write window, recovery cuts the torn record', async () => {
    // A child syncs a batch with a long torn window and is killed inside it.
    const dir = tempDir();
    const walJs = join(repoRoot, 'dist', 'systems', 'lib', 'wal.js');
    const rngJs = join(repoRoot, 'dist', 'systems', 'lib', 'rng.js');
    const script = `
      const { Wal } = await import(${JSON.stringify(walJs)});
      const { Rng } = await import(${JSON.stringify(rngJs)});
      const w = await Wal.open({ dir: ${JSON.stringify(dir)} });
      w.append(Buffer.from('durable')); await w.sync(); await w.close();
      const t = await Wal.open({ dir: ${JSON.stringify(dir)}, tornWrite: { windowMs: 60000, rng: new Rng(3) } });
      for (let i = 0; i < 5; i++) t.append(Buffer.from('torn-' + i));
      void t.sync();
      setTimeout(() => process.stdout.write('in-window\\n'), 300);
      setInterval(() => {}, 1000);`;
    await killWhenItSays(script, 'in-window');
    const seg = join(dir, segFiles(dir)[0]!);
    const sizeBefore = statSync(seg).size;
    const w = await Wal.open({ dir });
    const got = texts(w);
    expect(got[0]).toBe('durable');
    // Only whole records that landed before the cut survive; the torn one and the zeros are gone.
    for (const [i, t] of got.slice(1).entries()) expect(t).toBe(`torn-${i}`);
    expect(got.length).toBeLessThan(6);
    expect(w.recovery.truncatedBytes).toBeGreaterThan(0);
    expect(statSync(seg).size).toBe(sizeBefore - w.recovery.truncatedBytes);
    await w.close();
  });
});
