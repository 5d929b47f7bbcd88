import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { createBatchEncoder } from '../../src/batch-encoder.js';

const ndjson = (lines: readonly string[]): Buffer => Buffer.from(`${lines.join('\n')}\n`);

describe('createBatchEncoder', () => {
  it('encodes a batch as NDJSON, with each line size and each body a slice of it', () => {
    const lines = ['{"a":1}', '{"m":"café ☕ 𝄞"}', '{"lone":"\ud800"}', ''];
    const batch = createBatchEncoder(1024).encode(lines);

    expect(batch.bytes).toEqual(ndjson(lines));
    expect(batch.sizes).toEqual(lines.map((line) => Buffer.byteLength(line) + 1));
    expect(batch.body(1, 3)).toEqual(ndjson(lines.slice(1, 3)));
    expect(batch.body(0, 4)).toEqual(batch.bytes);
    expect(batch.body(2, 2).byteLength).toBe(0);
  });

  it('encodes an empty batch as no bytes', () => {
    const batch = createBatchEncoder(1024).encode([]);
    expect(batch.bytes.byteLength).toBe(0);
    expect(batch.sizes).toEqual([]);
  });

  it('writes the next batch into the same buffer once the previous one is released', () => {
    const encoder = createBatchEncoder(1024 * 1024);
    const first = encoder.encode(['{"n":1}', '{"n":2}']);
    const kept = encoder.keptBytes();
    expect(kept).toBeGreaterThan(0);
    encoder.release(first);

    const second = encoder.encode(['{"n":3}']);

    expect(second.bytes.buffer).toBe(first.bytes.buffer);
    expect(second.bytes.toString()).toBe('{"n":3}\n');
    expect(encoder.keptBytes()).toBe(kept);
  });

  it('gives a batch encoded while another is in use its own buffer, leaving the first intact', () => {
    const encoder = createBatchEncoder(1024 * 1024);
    const first = encoder.encode(['{"n":1}', '{"n":2}']);

    const second = encoder.encode(['{"other":true}']);

    expect(second.bytes.buffer).not.toBe(first.bytes.buffer);
    expect(first.bytes.toString()).toBe('{"n":1}\n{"n":2}\n');
    expect(second.bytes.toString()).toBe('{"other":true}\n');
    encoder.release(second); // not the kept buffer: the first batch still holds it
    expect(encoder.encode(['{"third":1}']).bytes.buffer).not.toBe(first.bytes.buffer);
    expect(first.bytes.toString()).toBe('{"n":1}\n{"n":2}\n');
  });

  it('grows the kept buffer for text larger than its length suggests (multi-byte characters)', () => {
    const encoder = createBatchEncoder(1024 * 1024);
    encoder.release(encoder.encode(['{"small":1}']));
    const before = encoder.keptBytes();
    // 3 bytes per character: 3 x 60,000 is more than the guess (one byte each) plus 64 KiB of room.
    const lines = ['{"a":1}', `{"t":"${'☕'.repeat(60_000)}"}`, '{"b":"é"}'];

    const batch = encoder.encode(lines);

    expect(batch.bytes.toString()).toBe(`${lines.join('\n')}\n`);
    expect(batch.sizes).toEqual(lines.map((line) => Buffer.byteLength(line) + 1));
    expect(encoder.keptBytes()).toBeGreaterThan(before);
    expect(batch.bytes.buffer.byteLength).toBe(encoder.keptBytes());
    encoder.release(batch);
    expect(encoder.encode(['{"c":1}']).bytes.buffer).toBe(batch.bytes.buffer);
  });

  it('does not keep a buffer for a batch far larger than the limit', () => {
    const encoder = createBatchEncoder(1024);
    const lines = Array.from({ length: 200 }, (_, index) => `{"n":${index},"pad":"${'x'.repeat(1_000)}"}`);

    const batch = encoder.encode(lines);

    expect(batch.bytes.toString()).toBe(`${lines.join('\n')}\n`);
    expect(encoder.keptBytes()).toBe(0);
    encoder.release(batch);
    expect(encoder.keptBytes()).toBe(0);
  });

  it('moves a batch whose multi-byte text outgrows the kept limit to a fresh buffer, freeing the kept one', () => {
    const encoder = createBatchEncoder(1024);
    // The guess (one byte per character) fits the kept limit, the 2-byte characters do not.
    const lines = ['{"a":1}', `{"t":"${'ü'.repeat(100_000)}"}`];

    const batch = encoder.encode(lines);

    expect(batch.bytes.toString()).toBe(`${lines.join('\n')}\n`);
    expect(encoder.keptBytes()).toBeGreaterThan(0);
    expect(batch.bytes.buffer.byteLength).not.toBe(encoder.keptBytes());
    const next = encoder.encode(['{"c":1}']); // the kept buffer is free again
    expect(next.bytes.buffer.byteLength).toBe(encoder.keptBytes());
    expect(next.bytes.toString()).toBe('{"c":1}\n');
    expect(batch.bytes.toString()).toBe(`${lines.join('\n')}\n`);
  });

  it('forgets the kept buffer on clear()', () => {
    const encoder = createBatchEncoder(1024);
    const batch = encoder.encode(['{"n":1}']);
    encoder.clear();
    expect(encoder.keptBytes()).toBe(0);
    expect(encoder.encode(['{"n":2}']).bytes.buffer).not.toBe(batch.bytes.buffer);
  });
});
