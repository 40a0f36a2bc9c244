export { ipAllowPlugin, useIpAllow } from './plugin.js';
export { ipAllowOptions } from './options.js';
export type { IpAllowOptions, IpAllowOptionsInput } from './options.js';
export { checkAccess, compilePolicy } from './access.js';
export type { AccessDecision, AccessList, AccessListText, AccessPolicy } from './access.js';
export { cidrContains, formatAddress, isIpv4, parseAddress, parseCidr } from './cidr.js';
export type { Cidr } from './cidr.js';
export { clientAddress } from './client-address.js';
