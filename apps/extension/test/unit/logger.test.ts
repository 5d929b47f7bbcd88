import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger, createSyncDestination, isOwnLogLine, type WriteSync } from '../../src/logger.js';

describe('createLogger', () => {
  it('writes JSON lines synchronously, with the self marker, the level label and the fields', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'logger-')), 'log');
    const fd = openSync(file, 'w');
    const { logger } = createLogger('debug', { fd });
    logger.debug('d');
    logger.info('i', { a: 1 });
    logger.warn('w');
    logger.error('e', { b: 'x' });
    closeSync(fd);
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ['debug', 'd'],
      ['info', 'i'],
      ['warn', 'w'],
      ['error', 'e'],
    ]);
    expect(lines[1]).toMatchObject({ logger: 'data-taps', a: 1 });
    expect(lines[3]).toMatchObject({ b: 'x' });
    expect(lines.every((l) => isOwnLogLine(`${JSON.stringify(l)}\n`))).toBe(true);
  });

  it('respects the level', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'logger-')), 'log');
    const fd = openSync(file, 'w');
    createLogger('warn', { fd }).logger.info('hidden');
    closeSync(fd);
    expect(readFileSync(file, 'utf8')).toBe('');
  });
});

describe('createSyncDestination', () => {
  const errno = (code: string) => Object.assign(new Error(code), { code });

  it('writes a line whole, across partial writes and a full pipe', () => {
    const written: string[] = [];
    let calls = 0;
    const write: WriteSync = (_fd, buffer, offset) => {
      calls += 1;
      if (calls === 2) throw errno('EAGAIN');
      const end = Math.min(buffer.length, offset + 4);
      written.push(Buffer.from(buffer.subarray(offset, end)).toString());
      return end - offset;
    };
    expect(createSyncDestination(1, write).write('{"a":"é"}\n')).toBe(true);
    expect(written.join('')).toBe('{"a":"é"}\n');
    expect(calls).toBeGreaterThan(3);
  });

  it('drops a line on a closed descriptor or a pipe that stays full, without throwing', () => {
    expect(
      createSyncDestination(1, () => {
        throw errno('EPIPE');
      }).write('x\n'),
    ).toBe(false);
    let tries = 0;
    const full: WriteSync = () => {
      tries += 1;
      throw errno('EAGAIN');
    };
    const started = Date.now();
    expect(createSyncDestination(1, full).write('x\n')).toBe(false);
    expect(tries).toBeGreaterThan(100);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('is what the logger writes through, on a real descriptor', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'logger-')), 'log');
    const fd = openSync(file, 'w');
    createSyncDestination(fd).write('line\n');
    closeSync(fd);
    expect(readFileSync(file, 'utf8')).toBe('line\n');
  });
});

describe('isOwnLogLine', () => {
  it('recognises own lines as text or as JSON-format objects, and nothing else', () => {
    expect(isOwnLogLine('{"level":"info","logger":"data-taps","msg":"x"}\n')).toBe(true);
    expect(isOwnLogLine({ logger: 'data-taps', msg: 'x' })).toBe(true);
    expect(isOwnLogLine({ level: 'INFO', message: '{"level":"info","logger":"data-taps","msg":"x"}' })).toBe(
      true,
    );
    expect(isOwnLogLine('another extension says hi\n')).toBe(false);
    expect(isOwnLogLine({ message: 'hi' })).toBe(false);
    expect(isOwnLogLine({ message: 42 })).toBe(false);
    expect(isOwnLogLine(null)).toBe(false);
    expect(isOwnLogLine(7)).toBe(false);
  });
});
