import { readFileSync } from 'node:fs';
import type { Logger } from '../src/logger.js';

export const RUNTIME_API = '127.0.0.1:9001';
export const BASE = `http://${RUNTIME_API}`;
export const PREFIX = '/2020-01-01/extension';
export const EXTENSION_ID = '0b5e5e8c-6d0d-4a4b-9b7c-2c8a3f1b9e01';

export function fixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

export interface RecordingLogger extends Logger {
  lines: { level: string; message: string; fields?: Record<string, unknown> }[];
}

export function recordingLogger(): RecordingLogger {
  const lines: RecordingLogger['lines'] = [];
  const at =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      lines.push(fields === undefined ? { level, message } : { level, message, fields });
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
