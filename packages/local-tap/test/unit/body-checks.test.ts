import { describe, expect, it } from 'vitest';
import {
  base64Length,
  isValidUtf8,
  jsonEscapedLength,
  mediaType,
  scanNdjson,
} from '../../src/body-checks.js';

describe('jsonEscapedLength', () => {
  it('equals the length of the body JSON-encoded as a string, without the quotes', () => {
    const samples = ['plain', '{"a":"b"}\n', 'back\\slash\ttab\r\n', '\u0001\u001f', '\b\f', 'héllo ✓'];
    for (const text of samples) {
      const body = Buffer.from(text);
      expect(jsonEscapedLength(body)).toBe(Buffer.byteLength(JSON.stringify(text)) - 2);
    }
  });
});

describe('base64Length', () => {
  it('is four bytes per started three', () => {
    expect(base64Length(0)).toBe(0);
    expect(base64Length(1)).toBe(4);
    expect(base64Length(3)).toBe(4);
    expect(base64Length(4)).toBe(8);
    expect(base64Length(300)).toBe(Buffer.alloc(300).toString('base64').length);
  });
});

describe('scanNdjson', () => {
  it('counts non-blank lines and finds a JSON object', () => {
    expect(scanNdjson(Buffer.from('{"a":1}\n\n  \r\n{"b":2}'))).toEqual({ lines: 2, hasObject: true });
    expect(scanNdjson(Buffer.from('  {"a":1} \t\r\n'))).toEqual({ lines: 1, hasObject: true });
  });

  it('finds no object in arrays, scalars, text or a pretty-printed object', () => {
    expect(scanNdjson(Buffer.from('[{"a":1}]\n42\n"x"\n'))).toEqual({ lines: 3, hasObject: false });
    expect(scanNdjson(Buffer.from('hello world'))).toEqual({ lines: 1, hasObject: false });
    expect(scanNdjson(Buffer.from('{\n  "a": 1\n}\n'))).toEqual({ lines: 3, hasObject: false });
    expect(scanNdjson(Buffer.from('{"a":\n'))).toEqual({ lines: 1, hasObject: false });
  });

  it('accepts a body where only some lines are objects (the others are dropped at conversion)', () => {
    expect(scanNdjson(Buffer.from('garbage\n{"ok":true}\n{"broken":'))).toEqual({
      lines: 3,
      hasObject: true,
    });
  });

  it('sees nothing in an empty or blank body', () => {
    expect(scanNdjson(Buffer.alloc(0))).toEqual({ lines: 0, hasObject: false });
    expect(scanNdjson(Buffer.from(' \n\t\r\n'))).toEqual({ lines: 0, hasObject: false });
  });
});

describe('isValidUtf8', () => {
  it('refuses invalid sequences', () => {
    expect(isValidUtf8(Buffer.from('{"a":"é"}'))).toBe(true);
    expect(isValidUtf8(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))).toBe(false);
  });
});

describe('mediaType', () => {
  it('lower-cases and drops parameters', () => {
    expect(mediaType('Application/X-NDJSON; charset=utf-8')).toBe('application/x-ndjson');
    expect(mediaType(undefined)).toBe('');
  });
});
