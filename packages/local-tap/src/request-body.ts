import type { IncomingMessage } from 'node:http';

/** How reading a request body ended. */
export type BodyRead =
  | { kind: 'complete'; body: Buffer; bytes: number }
  | { kind: 'tooLarge'; bytes: number; drained: boolean }
  | { kind: 'aborted'; bytes: number };

/**
 * Reads a request body, keeping at most `keepLimit` bytes. Past it the rest is read and dropped
 * (so the client can read the 413 answer) up to `drainLimit`, where reading stops and the caller
 * should close the connection.
 * @internal
 */
export function readRequestBody(
  req: IncomingMessage,
  keepLimit: number,
  drainLimit: number,
): Promise<BodyRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const settle = (result: BodyRead): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      bytes += chunk.length;
      if (bytes <= keepLimit) chunks.push(chunk);
      else chunks.length = 0;
      if (bytes > drainLimit) {
        req.pause();
        settle({ kind: 'tooLarge', bytes, drained: false });
      }
    };
    const onEnd = (): void => {
      if (bytes > keepLimit) settle({ kind: 'tooLarge', bytes, drained: true });
      else settle({ kind: 'complete', body: Buffer.concat(chunks, bytes), bytes });
    };
    const onClose = (): void => {
      if (!req.complete) settle({ kind: 'aborted', bytes });
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('close', onClose);
  });
}
