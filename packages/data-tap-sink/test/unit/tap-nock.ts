import nock from 'nock';
import { TAP_ORIGIN } from './harness.js';

export interface SeenRequest {
  body: string;
  headers: Record<string, string>;
}

export type Reply = readonly [number, (string | Record<string, unknown>)?, Record<string, string>?];

/** Intercepts POST /ingest once per reply, in order, recording each request. */
export function tapReplies(replies: readonly Reply[], path = '/ingest'): SeenRequest[] {
  const seen: SeenRequest[] = [];
  let index = 0;
  nock(TAP_ORIGIN)
    .post(path)
    .times(replies.length)
    .reply(async (request: Request) => {
      seen.push({ body: await request.text(), headers: Object.fromEntries(request.headers) });
      const reply = replies[index++] as Reply;
      return [reply[0], reply[1] ?? '', reply[2] ?? {}];
    });
  return seen;
}

export const ACCEPTED: Reply = [200, { statusCode: 200, message: 'Accepted' }];
