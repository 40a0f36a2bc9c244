import { PgduetError } from '../errors/index.js';

export interface SubscriptionLimitOptions {
  readonly maxPerConnection: number;
  readonly maxPerInstance: number;
  readonly roles: Readonly<Record<string, { readonly maxPerConnection?: number | undefined; readonly maxPerInstance?: number | undefined }>>;
}

/**
 * Per-role bounds on subscriptions: on one connection, and on this instance (each instance
 * counts its own; several instances behind a load balancer each hold their own bound).
 */
export class SubscriptionLimits {
  readonly #options: SubscriptionLimitOptions;
  readonly #perRole = new Map<string, number>();

  constructor(options: SubscriptionLimitOptions) {
    this.#options = options;
  }

  /** Takes a slot for `role` (its connection holds `onConnection` already); throws PGD405 when none is left. */
  acquire(role: string, onConnection: number): () => void {
    const rule = this.#options.roles[role];
    const perConnection = rule?.maxPerConnection ?? this.#options.maxPerConnection;
    const perInstance = rule?.maxPerInstance ?? this.#options.maxPerInstance;
    if (onConnection >= perConnection) {
      throw new PgduetError('PGD405', `at most ${perConnection} subscriptions on one connection for the role "${role}"`, { hint: 'end a subscription first, or open another connection' });
    }
    const running = this.#perRole.get(role) ?? 0;
    if (running >= perInstance) throw new PgduetError('PGD405', `at most ${perInstance} subscriptions on this server for the role "${role}"`);
    this.#perRole.set(role, running + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#perRole.get(role) ?? 1) - 1;
      if (left <= 0) this.#perRole.delete(role);
      else this.#perRole.set(role, left);
    };
  }
}
