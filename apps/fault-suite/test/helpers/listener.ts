/**
 * Talking to the extension's telemetry listener directly, for inputs the sandbox cannot produce
 * (malformed and oversized bodies). The listener binds `sandbox.localdomain` (127.0.0.1); its port
 * is read from the extension's own "telemetry listener started" log line.
 */
import { request } from 'node:http';
import type { Environment } from './world.js';

/** The port the extension's listener is bound to. */
export function listenerPort(environment: Environment): number {
  for (const line of environment.logLines()) {
    const bind = line['bind'];
    if (line['msg'] === 'telemetry listener started' && typeof bind === 'string') {
      const port = Number(bind.slice(bind.lastIndexOf(':') + 1));
      if (Number.isInteger(port) && port > 0) return port;
    }
  }
  throw new Error('the extension logged no "telemetry listener started" line with its bound address');
}

/** POSTs a body to the listener as Lambda would (127.0.0.1, Host sandbox.localdomain); resolves with the status. */
export function postToListener(
  port: number,
  body: Buffer | string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/',
        headers: {
          host: `sandbox.localdomain:${port}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    // The listener may answer 413 and close before the whole body is sent: that is an answer too.
    req.on('error', (error: NodeJS.ErrnoException) =>
      error.code === 'EPIPE' || error.code === 'ECONNRESET'
        ? resolve({ status: -1, body: error.code })
        : reject(error),
    );
    req.end(body);
  });
}

/** Resolves once `check` holds, polling (the test timeout bounds the wait). */
export async function until(check: () => boolean, stepMs = 20): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, stepMs));
}
