import { z } from 'zod';
import { parseCidr } from './cidr.js';

/** A CIDR block (`10.0.0.0/8`, `2001:db8::/32`) or one address; checked when the options are read. */
const cidr = z.string().superRefine((text, ctx) => {
  try {
    parseCidr(text);
  } catch (error: unknown) {
    ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
  }
});

const lists = {
  /** only these addresses (empty: every address) */
  allow: z.array(cidr).default([]),
  /** never these addresses, even if an allow list names them */
  deny: z.array(cidr).default([]),
};

/** The options of `useIpAllow` (`ipAllow` in pgduet.yaml, once wired), with their defaults. */
export const ipAllowOptions = z.strictObject({
  ...lists,
  /** each role's own lists, checked as well as the global ones */
  roles: z.record(z.string().min(1), z.strictObject(lists)).default({}),
  /** how many proxies' X-Forwarded-For entries to trust (0: the socket's address) */
  trustProxy: z.number().int().min(0).default(0),
});

/** The options as written (defaults may be left out). */
export type IpAllowOptionsInput = z.input<typeof ipAllowOptions>;
/** The options with every default filled in. */
export type IpAllowOptions = z.output<typeof ipAllowOptions>;
