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

  it('never throws: a line it cannot write is given up and the next one is written', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'logger-')), 'log');
    const fd = openSync(file, 'w');
    const { logger } = createLogger('info', { fd });
    const hostile = {
      get boom(): never {
        throw new Error('a getter that throws');
      },
    };
    expect(() => logger.error('cannot be serialized', hostile)).not.toThrow();
    logger.info('after');
    closeSync(fd);
    expect(
      readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).msg),
    ).toEqual(['after']);
  });
});

describe('createLogger with hold', () => {
  const logTo = () => {
    const file = join(mkdtempSync(join(tmpdir(), 'logger-')), 'log');
    return { file, fd: openSync(file, 'w') };
  };
  const linesOf = (file: string) =>
    readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));

  it('holds info and debug lines until release, then writes them in order with the time they were logged', async () => {
    const { file, fd } = logTo();
    const { logger } = createLogger('debug', { fd, hold: true });
    logger.info('first', { a: 1 });
    const loggedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 30));
    logger.debug('second');
    expect(readFileSync(file, 'utf8')).toBe('');
    logger.release();
    logger.info('third');
    closeSync(fd);
    const lines = linesOf(file);
    expect(lines.map((l) => l.msg)).toEqual(['first', 'second', 'third']);
    expect(lines[0]).toMatchObject({ level: 'info', a: 1, logger: 'data-taps' });
    expect(Date.parse(lines[0].time)).toBeLessThanOrEqual(loggedAt);
    expect(Date.parse(lines[1].time)).toBeGreaterThanOrEqual(loggedAt + 25);
  });

  it('never holds a warning or an error: it writes the held lines first, then itself', () => {
    const { file, fd } = logTo();
    const { logger } = createLogger('info', { fd, hold: true });
    logger.debug('below the level');
    logger.info('held');
    logger.warn('at once');
    expect(linesOf(file).map((l) => l.msg)).toEqual(['held', 'at once']);
    logger.info('not held after a warning');
    logger.error('e');
    closeSync(fd);
    expect(linesOf(file).map((l) => l.msg)).toEqual(['held', 'at once', 'not held after a warning', 'e']);
  });

  it('holds a bounded number of lines: the next one releases them, in order', () => {
    const { file, fd } = logTo();
    const { logger } = createLogger('info', { fd, hold: true });
    for (let i = 0; i < 64; i++) logger.info(`line ${i}`);
    expect(readFileSync(file, 'utf8')).toBe('');
    for (let i = 64; i < 70; i++) logger.info(`line ${i}`);
    expect(linesOf(file).length).toBe(70);
    logger.release();
    logger.release();
    closeSync(fd);
    expect(linesOf(file).map((l) => l.msg)).toEqual(Array.from({ length: 70 }, (_, i) => `line ${i}`));
  });

  it('writes nothing (and builds no pino) when nothing reaches its level', () => {
    const { file, fd } = logTo();
    const { logger } = createLogger('silent', { fd, hold: true });
    logger.error('hidden');
    logger.release();
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
