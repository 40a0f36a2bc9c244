import { ConfigError } from '../errors/index.js';

/** `a, b,c` → `['a', 'b', 'c']`: the lists of environment variables and flags. */
export function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export function parsePort(text: string, source: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 65535) {
    throw new ConfigError('PGD001', `${source}: expected a port number (0-65535), got "${text}"`);
  }
  return Number(text);
}
