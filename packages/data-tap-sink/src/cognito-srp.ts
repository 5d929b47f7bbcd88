import { Buffer } from 'node:buffer';
import { createHash, createHmac, getDiffieHellman, randomBytes } from 'node:crypto';

/**
 * The Secure Remote Password (SRP-6a) arithmetic of Amazon Cognito's `USER_SRP_AUTH` flow, on
 * `node:crypto` and BigInt: the password never leaves the process, only a proof of it. The group
 * is the 3072-bit MODP group (RFC 3526 group 15, which Cognito uses) with generator 2.
 */

let group: { N: bigint; g: bigint; k: bigint } | undefined;

/** `bigint` as hex, padded so that it reads as a positive number of whole bytes. */
export function padHex(value: bigint): string {
  const hex = value.toString(16);
  if (hex.length % 2 === 1) return `0${hex}`;
  return '89abcdef'.includes(hex[0] as string) ? `00${hex}` : hex;
}

const hashHex = (hex: string): string => createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex');
const toBigInt = (hex: string): bigint => BigInt(`0x${hex === '' ? '0' : hex}`);

/** The group N, g and the multiplier k = H(N | g). Computed once, on first use. */
export function srpGroup(): { N: bigint; g: bigint; k: bigint } {
  if (group === undefined) {
    const N = toBigInt(getDiffieHellman('modp15').getPrime('hex'));
    const g = 2n;
    group = { N, g, k: toBigInt(hashHex(`${padHex(N)}${padHex(g)}`)) };
  }
  return group;
}

/** `base ** exponent % modulus` by squaring, for non-negative values. */
export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

/** u = H(A | B). */
export function srpU(A: bigint, B: bigint): bigint {
  return toBigInt(hashHex(`${padHex(A)}${padHex(B)}`));
}

/** x = H(salt | H(poolName | userId | ":" | password)). */
export function srpX(poolName: string, userId: string, password: string, saltHex: string): bigint {
  const inner = createHash('sha256').update(`${poolName}${userId}:${password}`, 'utf8').digest('hex');
  return toBigInt(hashHex(`${padHex(toBigInt(saltHex))}${inner}`));
}

/** The 16-byte key Cognito derives from the shared secret S with HKDF-SHA256 (salt u). */
export function srpKey(S: bigint, u: bigint): Buffer {
  const prk = createHmac('sha256', Buffer.from(padHex(u), 'hex'))
    .update(Buffer.from(padHex(S), 'hex'))
    .digest();
  const info = Buffer.concat([Buffer.from('Caldera Derived Key', 'utf8'), Buffer.from([1])]);
  return createHmac('sha256', prk).update(info).digest().subarray(0, 16);
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Cognito's TIMESTAMP format: `Tue Jan 7 09:05:03 UTC 2025` (day of month not padded). */
export function cognitoTimestamp(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()} ${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} UTC ${date.getUTCFullYear()}`;
}

/**
 * One client side of an SRP login: `A` to send with `InitiateAuth`, then `answer()` for the
 * `PASSWORD_VERIFIER` challenge.
 *
 * @example
 * ```ts
 * const srp = createSrpClient();
 * // InitiateAuth with SRP_A: srp.A; then:
 * const responses = srp.answer({ userPoolId, password, challenge: answer.ChallengeParameters, date: new Date() });
 * ```
 */
export function createSrpClient(random: (size: number) => Buffer = randomBytes) {
  const { N, g, k } = srpGroup();
  let a = 0n;
  // a = 0 would give A = 1, which proves nothing: draw again (g^a mod N is never 0, N being prime).
  while (a === 0n) a = toBigInt(random(128).toString('hex')) % N;
  const A = modPow(g, a, N);
  return {
    /** The public value, hex, for `AuthParameters.SRP_A`. */
    A: A.toString(16),
    /**
     * The `ChallengeResponses` proving the password for a `PASSWORD_VERIFIER` challenge. Throws
     * an `Error` when the server's value is invalid (B mod N = 0, or u = 0).
     */
    answer(input: {
      userPoolId: string;
      password: string;
      challenge: { SALT: string; SRP_B: string; SECRET_BLOCK: string; USER_ID_FOR_SRP: string };
      date: Date;
    }): Record<string, string> {
      const { SALT, SRP_B, SECRET_BLOCK, USER_ID_FOR_SRP } = input.challenge;
      const B = toBigInt(SRP_B);
      if (B % N === 0n) throw new Error('the server sent an invalid SRP_B');
      const u = srpU(A, B);
      if (u === 0n) throw new Error('the SRP values give u = 0');
      const poolName = input.userPoolId.split('_')[1] ?? '';
      const x = srpX(poolName, USER_ID_FOR_SRP, input.password, SALT);
      const base = (((B - ((k * modPow(g, x, N)) % N)) % N) + N) % N;
      const S = modPow(base, a + u * x, N);
      const key = srpKey(S, u);
      const timestamp = cognitoTimestamp(input.date);
      const message = Buffer.concat([
        Buffer.from(poolName, 'utf8'),
        Buffer.from(USER_ID_FOR_SRP, 'utf8'),
        Buffer.from(SECRET_BLOCK, 'base64'),
        Buffer.from(timestamp, 'utf8'),
      ]);
      return {
        USERNAME: USER_ID_FOR_SRP,
        PASSWORD_CLAIM_SECRET_BLOCK: SECRET_BLOCK,
        TIMESTAMP: timestamp,
        PASSWORD_CLAIM_SIGNATURE: createHmac('sha256', key).update(message).digest('base64'),
      };
    },
  };
}
