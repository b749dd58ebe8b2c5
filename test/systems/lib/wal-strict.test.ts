/**
 * The Write-Ahead Log's `strictRecovery`: damage no killed write leaves (a record cut short, a bad
 * CRC with written records after it, a damaged snapshot) is refused and nothing is cut, while the
 * torn write's zero-filled tail is still cut as without it.
 */
import { readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Wal, WalCorruptError } from '../../../systems/lib/wal.js';
import { removeTempDirs, tempDir } from '../../support/systems.js';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');
const strict = (dir: string) => Wal.open({ dir, strictRecovery: true });

afterAll(() => removeTempDirs());

/** A log of three synced records in one segment; gives the folder and the segment's path. */
async function threeRecords(): Promise<{ dir: string; seg: string }> {
  const dir = tempDir();
  const w = await Wal.open({ dir });
  for (const s of ['one', 'two', 'three']) w.append(b(s));
  await w.sync();
  await w.close();
  return { dir, seg: join(dir, readdirSync(dir).find((n) => n.endsWith('.wal'))!) };
}

describe('strict recovery', () => {
  it('refuses a record cut short and leaves the file as it found it', async () => {
    const { dir, seg } = await threeRecords();
    const size = statSync(seg).size;
    truncateSync(seg, size - 2);
    await expect(strict(dir)).rejects.toThrow(/damaged record at byte \d+ \(short record\) where no killed write ends/);
    expect(statSync(seg).size).toBe(size - 2);
  });

  it('refuses a flipped bit with whole records after it, and one in the last record', async () => {
    for (const at of [20, -2]) {
      const { dir, seg } = await threeRecords();
      const buf = readFileSync(seg);
      const i = at < 0 ? buf.length + at : at;
      buf[i] = buf[i]! ^ 4;
      writeFileSync(seg, buf);
      await expect(strict(dir)).rejects.toThrow(WalCorruptError);
      expect(readFileSync(seg)).toEqual(buf);
    }
  });

  it('still cuts the zero-filled tail a torn write leaves', async () => {
    const { dir, seg } = await threeRecords();
    const buf = readFileSync(seg);
    buf.fill(0, buf.length - 3);
    writeFileSync(seg, buf);
    const w = await strict(dir);
    expect(w.recovery.records.map((r) => r.data.toString())).toEqual(['one', 'two']);
    expect(w.recovery.truncatedReason).toBe('crc mismatch');
    await w.close();
  });

  it('refuses a damaged snapshot instead of falling back to an older one', async () => {
    const dir = tempDir();
    const w = await Wal.open({ dir });
    for (let i = 1; i <= 4; i++) w.append(b(`v${i}`));
    await w.sync();
    await w.saveSnapshot(2, b('s2'));
    await w.saveSnapshot(4, b('s4'));
    await w.close();
    const snap = join(dir, `snap-${String(4).padStart(20, '0')}.snap`);
    const buf = readFileSync(snap);
    buf[buf.length - 1] = buf[buf.length - 1]! ^ 1;
    writeFileSync(snap, buf);
    await expect(strict(dir)).rejects.toThrow(`${snap}: damaged snapshot`);
    // Without it, the log falls back as it always did.
    const lenient = await Wal.open({ dir });
    expect(lenient.recovery.snapshot).toBeNull();
    expect(lenient.recovery.records).toHaveLength(4);
    await lenient.close();
  });
});
