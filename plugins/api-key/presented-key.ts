import { headerValues, looksLikeJwt, readAuthorization } from '../jwt/index.js';

/** The key a request presents. */
export type PresentedKey =
  | { readonly kind: 'none' }
  | { readonly kind: 'key'; readonly key: string }
  /** two different keys (the header and the Bearer token, or the header twice) */
  | { readonly kind: 'conflict' };

/**
 * The API key of a request: the `header` (default `apikey`), or `Authorization: Bearer <key>`
 * when `bearer` and the token is not a JWT. A value with the shape of a JWT (two dots) is not
 * an API key and is left to the JWT plugin; the same key in both places is one key.
 */
export function presentedApiKey(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  options: { readonly header: string; readonly bearer: boolean },
): PresentedKey {
  const found = new Set<string>();
  for (const value of headerValues(headers, options.header)) {
    const key = value.trim();
    if (key !== '' && !looksLikeJwt(key)) found.add(key);
  }
  if (options.bearer) {
    const credential = readAuthorization(headers);
    if (credential.kind === 'bearer' && credential.token !== '' && !looksLikeJwt(credential.token)) found.add(credential.token);
  }
  if (found.size === 0) return { kind: 'none' };
  if (found.size > 1) return { kind: 'conflict' };
  const [key] = found;
  return key === undefined ? { kind: 'none' } : { kind: 'key', key };
}
