import { StringDecoder } from 'node:string_decoder';

/** Splits a byte stream into lines. */
export interface LineSplitter {
  push(chunk: Buffer | string): void;
  /** Emits the last, unterminated line (with a newline added). */
  end(): void;
}

/**
 * Splits output into lines, each passed on with its trailing `\n` (UTF-8 safe across chunks).
 *
 * @example
 * ```ts
 * const s = createLineSplitter((line) => lines.push(line));
 * s.push('a\nb'); s.push('c\n'); // 'a\n', 'bc\n'
 * ```
 */
export function createLineSplitter(onLine: (line: string) => void): LineSplitter {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  const feed = (text: string): void => {
    let start = 0;
    let nl = text.indexOf('\n', start);
    if (nl === -1) {
      rest += text;
      return;
    }
    onLine(`${rest}${text.slice(0, nl + 1)}`);
    rest = '';
    start = nl + 1;
    nl = text.indexOf('\n', start);
    while (nl !== -1) {
      onLine(text.slice(start, nl + 1));
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    rest = text.slice(start);
  };
  return {
    push(chunk) {
      feed(typeof chunk === 'string' ? chunk : decoder.write(chunk));
    },
    end() {
      const tail = rest + decoder.end();
      rest = '';
      if (tail !== '') onLine(`${tail}\n`);
    },
  };
}
