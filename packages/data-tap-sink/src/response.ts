/** The most of an answer's body that is read (the rest is discarded). */
export const MAX_READ_BYTES = 64 * 1024;

/**
 * Reads at most `maxBytes` of a response body as UTF-8 text, then cancels the rest.
 *
 * @example
 * ```ts
 * const text = await readBodyText(response, 65_536);
 * ```
 */
export async function readBodyText(response: Response, maxBytes: number): Promise<string> {
  if (response.body === null) return '';
  // A short answer that says its length is read whole: the common case (a tap's `{"statusCode":200}`)
  // skips the reader, the decoder and the loop below.
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared <= maxBytes) return response.text();
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let read = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    read += value.byteLength;
    text += decoder.decode(value, { stream: true });
    if (read >= maxBytes) {
      await reader.cancel().catch(() => {});
      break;
    }
  }
  return text + decoder.decode();
}

/** How an answer is treated. */
export type Verdict =
  /** 2xx, and the JSON answer (if any) does not report a failure. */
  | { readonly kind: 'accepted'; readonly statusCode: number }
  /** 401/403 (HTTP or JSON `statusCode`): the token was refused. */
  | { readonly kind: 'auth'; readonly statusCode: number }
  /** 413: the body is too large for the tap. */
  | { readonly kind: 'too-large'; readonly statusCode: number }
  /** 408, 429, 5xx: worth another try. */
  | { readonly kind: 'retry'; readonly statusCode: number }
  /** 400: this body is refused; other bodies may pass. */
  | { readonly kind: 'rejected'; readonly statusCode: number; readonly reason: string }
  /** A redirect, an HTML page, another 4xx: the URL is not a working tap. */
  | { readonly kind: 'broken'; readonly statusCode: number; readonly reason: string };

function jsonStatusCode(text: string): number | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null) {
      const code = (parsed as { statusCode?: unknown }).statusCode;
      if (typeof code === 'number' && Number.isInteger(code)) return code;
    }
  } catch {
    // not JSON: judged on the HTTP status alone
  }
  return undefined;
}

function looksLikeHtml(contentType: string, text: string): boolean {
  return /\bhtml\b/i.test(contentType) || /^\s*</.test(text);
}

/**
 * Judges an answer from the tap by its HTTP status, content type and body. A JSON `statusCode`
 * of 401/403 is a token failure whatever the HTTP status; a 2xx whose JSON `statusCode` is 400 or
 * more is judged on that code; a redirect (manual mode) or an HTML page is never a success.
 *
 * @example
 * ```ts
 * judgeAnswer(200, 'application/json', '{"statusCode":403}'); // { kind: 'auth', statusCode: 403 }
 * ```
 */
export function judgeAnswer(httpStatus: number, contentType: string, text: string): Verdict {
  if (httpStatus === 0 || (httpStatus >= 300 && httpStatus < 400)) {
    return { kind: 'broken', statusCode: httpStatus, reason: 'redirected (redirects are not followed)' };
  }
  const jsonCode = jsonStatusCode(text);
  let statusCode = httpStatus;
  if (jsonCode === 401 || jsonCode === 403) statusCode = jsonCode;
  else if (httpStatus >= 200 && httpStatus < 300 && jsonCode !== undefined && jsonCode >= 400)
    statusCode = jsonCode;

  if (statusCode >= 200 && statusCode < 300) {
    if (looksLikeHtml(contentType, text)) {
      return { kind: 'broken', statusCode, reason: 'answered with an HTML page, not the tap' };
    }
    return { kind: 'accepted', statusCode };
  }
  if (statusCode === 401 || statusCode === 403) return { kind: 'auth', statusCode };
  if (statusCode === 413) return { kind: 'too-large', statusCode };
  if (statusCode === 408 || statusCode === 429 || (statusCode >= 500 && statusCode < 600)) {
    return { kind: 'retry', statusCode };
  }
  if (statusCode === 400) return { kind: 'rejected', statusCode, reason: 'bad request' };
  return { kind: 'broken', statusCode, reason: `unexpected status ${statusCode}` };
}
