import { databaseBusy } from '../errors/index.js';

/** `database.concurrency`: requests of one role using the database at once, for every role and per role. */
export interface ConcurrencyOptions {
  readonly default?: number | undefined;
  readonly roles: Readonly<Record<string, number>>;
}

interface Turns {
  active: number;
  readonly waiting: (() => void)[];
}

/**
 * At most N requests of a role at once, so that one role's flood cannot hold every pooled
 * connection while the other roles wait: a request over its role's cap waits for a turn (as
 * long as it would wait for a pooled connection), then is answered 503 (PGRST003) with
 * `Retry-After`. Roles without a cap (and every role when nothing is configured) pass.
 */
export class RoleConcurrency {
  readonly #turns = new Map<string, Turns>();

  constructor(
    private readonly options: ConcurrencyOptions,
    private readonly waitMs: number,
  ) {}

  /** Waits for a turn of `role`; resolves to the function that gives it back (call it once). */
  async admit(role: string): Promise<() => void> {
    const cap = Object.hasOwn(this.options.roles, role) ? this.options.roles[role] : this.options.default;
    if (cap === undefined) return () => undefined;
    let turns = this.#turns.get(role);
    if (turns === undefined) this.#turns.set(role, (turns = { active: 0, waiting: [] }));
    // a turn given back goes straight to the first waiter: `active` counts it throughout
    if (turns.active < cap) turns.active++;
    else await this.#wait(turns, role, cap);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const next = turns.waiting.shift();
      if (next === undefined) turns.active--;
      else next();
    };
  }

  #wait(turns: Turns, role: string, cap: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const wake = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        const at = turns.waiting.indexOf(wake);
        if (at !== -1) turns.waiting.splice(at, 1);
        reject(databaseBusy(`Timed out waiting for a turn: role "${role}" has ${cap} requests running, its limit (database.concurrency).`));
      }, this.waitMs);
      turns.waiting.push(wake);
    });
  }
}
