/**
 * The wire kit: the error table agrees with the protocol document and with the harness's client,
 * and the RPC registry's decoders refuse what no system may apply (missing fields, null keys,
 * values nested too deep or too large, oversized transactions) with the right code.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorName as clientErrorName, isDefinite as clientIsDefinite } from '../../../harness/client/errors.js';
import {
  decodeRequest,
  ERROR_CODES,
  ErrorCode,
  MAX_TXN_OPS,
  MAX_VALUE_BYTES,
  MAX_VALUE_DEPTH,
  RPCS,
} from '../../../workloads/wire/index.js';

const root = join(import.meta.dirname, '..', '..', '..');

function nested(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

describe('error table', () => {
  it('is the table of docs/protocol.md, code by code, with the same definite flags', () => {
    // Arrange: the rows "| 0 | timeout | no |" of section 4.
    const doc = readFileSync(join(root, 'docs', 'protocol.md'), 'utf8');
    const rows = [...doc.matchAll(/^\| (\d+) \| ([a-z-]+) \| (yes|no) \|$/gm)].map((m) => ({ code: Number(m[1]), name: m[2], definite: m[3] === 'yes' }));
    // Assert
    expect(rows.length).toBeGreaterThan(0);
    expect(ERROR_CODES.map(({ code, name, definite }) => ({ code, name, definite }))).toEqual(rows);
  });

  it('is what the harness classifies by: timeout and crash indefinite, the rest definite, unknown codes indefinite', () => {
    for (const e of ERROR_CODES) {
      expect(clientIsDefinite(e.code)).toBe(e.definite);
      expect(clientErrorName(e.code)).toBe(e.name);
    }
    expect(clientIsDefinite(ErrorCode.timeout)).toBe(false);
    expect(clientIsDefinite(ErrorCode.crash)).toBe(false);
    expect(clientIsDefinite(999)).toBe(false);
    expect(clientErrorName(999)).toBe('error-999');
  });
});

describe('RPC registry', () => {
  it('decodes each workload request and ignores fields it does not know', () => {
    expect(decodeRequest(RPCS, { type: 'write', key: 1, value: [1, 2], msg_id: 3, extra: true })).toEqual({
      ok: true,
      request: { type: 'write', key: 1, value: [1, 2] },
    });
    expect(decodeRequest(RPCS, { type: 'cas', key: 'k', from: null, to: 2 })).toMatchObject({ ok: true, request: { from: null, to: 2 } });
    expect(decodeRequest(RPCS, { type: 'txn', txn: [['r', 1, null], ['append', 1, 5]] })).toMatchObject({ ok: true });
    expect(RPCS.read.replyType).toBe('read_ok');
  });

  it('answers an unknown type with not-supported and a bad field with malformed-request', () => {
    expect(decodeRequest(RPCS, { type: 'add', delta: 1 })).toMatchObject({ ok: false, code: ErrorCode.notSupported });
    expect(decodeRequest(RPCS, { type: 'toString' })).toMatchObject({ ok: false, code: ErrorCode.notSupported });
    const malformed: Record<string, unknown>[] = [
      { type: 'write', key: 'x' },
      { type: 'write', value: 1 },
      { type: 'read', key: null },
      { type: 'cas', key: 'x', from: 1 },
      { type: 'txn', txn: 5 },
      { type: 'txn', txn: [['inc', 'x', 1]] },
      { type: 'txn', txn: [['r', 'x']] },
      { type: 'txn', txn: [['r', null, null]] },
      { type: 'txn', txn: Array.from({ length: MAX_TXN_OPS + 1 }, () => ['r', 1, null]) },
      { type: 'write', key: 'x', value: nested(MAX_VALUE_DEPTH + 1) },
      { type: 'write', key: nested(MAX_VALUE_DEPTH + 1), value: 1 },
      { type: 'txn', txn: [['append', 'x', nested(MAX_VALUE_DEPTH + 1)]] },
      { type: 'write', key: 'x', value: 'v'.repeat(MAX_VALUE_BYTES) },
    ];
    for (const body of malformed) {
      const d = decodeRequest(RPCS, body as { type: string });
      expect(d, JSON.stringify(body).slice(0, 200)).toMatchObject({ ok: false, code: ErrorCode.malformedRequest });
    }
    expect(decodeRequest(RPCS, { type: 'write', key: 'x', value: nested(MAX_VALUE_DEPTH) })).toMatchObject({ ok: true });
  });

  it('names the field, and the micro-operation inside a transaction', () => {
    expect(decodeRequest(RPCS, { type: 'write', key: 'x' })).toMatchObject({ text: 'write: value: is required' });
    expect(decodeRequest(RPCS, { type: 'txn', txn: [['r', 1, null], ['inc', 'x', 1]] })).toMatchObject({
      text: expect.stringMatching(/^txn: micro-operation 1, element 0: /),
    });
  });
});
