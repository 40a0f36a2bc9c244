import { createHash, randomBytes, scryptSync } from 'node:crypto';

/**
 * How a key is stored: never the key, only a hash of its UTF-8 text.
 * - `sha256:<64 hex>`: for random keys (what `generateApiKey` makes). Their entropy makes a
 *   fast hash safe, and it costs nothing per request.
 * - `scrypt:<salt hex>:<hash hex>`: for keys a person chose. scrypt with N=16384, r=8, p=1, and
 *   the hash as long as the stored one. It costs ~50 ms of CPU per unknown key presented.
 */
export type StoredHash =
  | { readonly kind: 'sha256'; readonly digest: Buffer }
  | { readonly kind: 'scrypt'; readonly salt: Buffer; readonly digest: Buffer };

/** scrypt's cost parameters (Node's defaults, written down so that they never drift) */
export const SCRYPT_PARAMS = { N: 16384, r: 8, p: 1 } as const;

const SHA256 = /^sha256:([0-9a-f]{64})$/i;
const SCRYPT = /^scrypt:((?:[0-9a-f]{2}){8,64}):((?:[0-9a-f]{2}){16,128})$/i;

/** The stored hash `text` parsed, or undefined when it is not `sha256:<hex>` nor `scrypt:<salt>:<hash>`. */
export function parseStoredHash(text: string): StoredHash | undefined {
  const sha = SHA256.exec(text);
  if (sha?.[1] !== undefined) return { kind: 'sha256', digest: Buffer.from(sha[1], 'hex') };
  const scrypt = SCRYPT.exec(text);
  if (scrypt?.[1] !== undefined && scrypt[2] !== undefined) {
    return { kind: 'scrypt', salt: Buffer.from(scrypt[1], 'hex'), digest: Buffer.from(scrypt[2], 'hex') };
  }
  return undefined;
}

/** Whether `text` is a stored hash pgduet can check. */
export function isStoredHash(text: string): boolean {
  return parseStoredHash(text) !== undefined;
}

/** The SHA-256 digest of a key's UTF-8 text. */
export function sha256(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/**
 * The text to store for `key`: `sha256:<hex>` (the default) or `scrypt:<salt>:<hash>` (a random
 * 16-byte salt and a 32-byte hash).
 */
export function hashApiKey(key: string, algorithm: 'sha256' | 'scrypt' = 'sha256'): string {
  if (algorithm === 'sha256') return `sha256:${sha256(key).toString('hex')}`;
  const salt = randomBytes(16);
  const digest = scryptSync(key, salt, 32, SCRYPT_PARAMS);
  return `scrypt:${salt.toString('hex')}:${digest.toString('hex')}`;
}

/**
 * A new random key: 32 bytes in base64url after the prefix (no dots, so it is never taken for a
 * JWT). Show it once, store only `hashApiKey(key)`.
 */
export function generateApiKey(prefix = 'pgd_'): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}
