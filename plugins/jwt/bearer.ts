/**
 * Reading credentials out of request headers. Shared by the JWT and API-key plugins so that
 * both agree on what is a JWT: a Bearer token with at least two dots is the JWT plugin's, any
 * other Bearer token may be an API key.
 */

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** What the `Authorization` header holds. */
export type AuthorizationCredential =
  | { readonly kind: 'none' }
  /** `Bearer <token>` (the scheme in any case) */
  | { readonly kind: 'bearer'; readonly token: string }
  /** another scheme (`Basic …`), or a header given more than once */
  | { readonly kind: 'other' };

/** A header's value by name, whatever the case of its name; a repeated header is all its values. */
export function headerValues(headers: Headers, name: string): readonly string[] {
  const lower = name.toLowerCase();
  const direct = headers[lower];
  const found = direct ?? Object.entries(headers).find(([key]) => key.toLowerCase() === lower)?.[1];
  if (found === undefined) return [];
  return typeof found === 'string' ? [found] : found;
}

/** The one value of a header, or undefined when it is absent or given more than once. */
export function headerValue(headers: Headers, name: string): string | undefined {
  const values = headerValues(headers, name);
  return values.length === 1 ? values[0] : undefined;
}

/** The `Authorization` header, read as RFC 6750 says (`Bearer` in any case, then the token). */
export function readAuthorization(headers: Headers): AuthorizationCredential {
  const values = headerValues(headers, 'authorization');
  if (values.length === 0) return { kind: 'none' };
  const value = values[0];
  if (values.length > 1 || value === undefined) return { kind: 'other' };
  const match = /^bearer[ \t]+(.*)$/is.exec(value.trim());
  if (match === null) return value.trim() === '' ? { kind: 'none' } : { kind: 'other' };
  return { kind: 'bearer', token: (match[1] ?? '').trim() };
}

/** Whether a token has the shape of a compact JWS (`header.payload.signature`: two dots or more). */
export function looksLikeJwt(token: string): boolean {
  const first = token.indexOf('.');
  return first !== -1 && token.indexOf('.', first + 1) !== -1;
}
