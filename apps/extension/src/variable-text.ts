/**
 * What config.ts and token-config.ts both need for their variables: how a value is shown in an
 * error line, and the check (with its words) of a variable that holds a URL the extension calls.
 */
import { checkTapUrl } from '@data-taps/data-tap-sink';
import * as z from 'zod/mini';
import { once } from './once.js';

/**
 * A variable's value as an error line shows it: quoted, cut at 80 characters.
 * @example
 * show('nope'); // '"nope"'
 */
export const show = (value: string) => JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);

/** What a URL variable accepts, in the words of its error line. */
export const URL_RANGE =
  'an https:// URL without credentials (http:// only for 127.0.0.1, [::1] or localhost)';

/**
 * A URL variable's schema: the sink's own check (https without credentials; http only for
 * 127.0.0.1, ::1, localhost), so what the configuration accepts, the sink takes.
 */
export const urlSchema = once(() => z.string().check(z.refine((value) => checkTapUrl(value) === undefined)));
