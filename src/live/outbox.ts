/**
 * What a subscriber has not taken yet, as an async iterator (graphql-ws pulls the next result
 * once the last one was written to the socket). Bounded, so that a slow consumer cannot grow
 * memory: a live query keeps only its latest answer (an older one is stale anyway); a stream
 * keeps up to `maxPending` batches and then `onOverflow` decides (the subscription ends).
 */
export class Outbox<T> implements AsyncIterableIterator<T> {
  readonly #queue: T[] = [];
  readonly #latestOnly: boolean;
  readonly #maxPending: number;
  readonly #onEnd: () => void;
  readonly #onOverflow: () => void;
  #waiting: ((result: IteratorResult<T>) => void) | undefined;
  /** no more values: what is queued is taken, then the iteration is done */
  #ending = false;
  #ended = false;

  constructor(options: { readonly latestOnly: boolean; readonly maxPending: number; readonly onEnd: () => void; readonly onOverflow: () => void }) {
    this.#latestOnly = options.latestOnly;
    this.#maxPending = options.maxPending;
    this.#onEnd = options.onEnd;
    this.#onOverflow = options.onOverflow;
  }

  get ending(): boolean {
    return this.#ending;
  }

  push(value: T): void {
    if (this.#ending) return;
    if (this.#wake({ value, done: false })) return;
    if (this.#latestOnly) this.#queue.length = 0;
    else if (this.#queue.length >= this.#maxPending) {
      this.#onOverflow();
      return;
    }
    this.#queue.push(value);
  }

  /** No more values after `last` (if given; it is queued whatever the bound). */
  end(last?: T): void {
    if (this.#ending) return;
    this.#ending = true;
    this.#finish();
    if (last !== undefined && this.#wake({ value: last, done: false })) return;
    if (last !== undefined) this.#queue.push(last);
    else this.#wake({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#queue.length > 0) return Promise.resolve({ value: this.#queue.shift() as T, done: false });
    if (this.#ending) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.#waiting = resolve));
  }

  return(): Promise<IteratorResult<T>> {
    this.#ending = true;
    this.#queue.length = 0;
    this.#finish();
    this.#wake({ value: undefined, done: true });
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #wake(result: IteratorResult<T>): boolean {
    const wake = this.#waiting;
    if (wake === undefined) return false;
    this.#waiting = undefined;
    wake(result);
    return true;
  }

  #finish(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#onEnd();
  }
}
