import { Counter, Histogram, type MetricObject, type Registry } from 'prom-client';

type Labels = 'protocol' | 'route';

/** The counts of one label set: `counts[i]` observations in bucket i (not cumulative), the last one +Inf. */
interface Series {
  readonly labels: Readonly<Record<Labels, string>>;
  readonly counts: Float64Array;
  sum: number;
}

/** What a request's handler keeps: the series of its route, found once. */
export interface DurationSeries {
  observe(seconds: number): void;
}

/**
 * `pgduet_http_request_duration_seconds`, observed once per request. prom-client's Histogram
 * checks and hashes the label set on every observation, even through a child (~3 % of a
 * simple read's CPU under W3 of bench/rest.mjs); here a route's series is looked up once and
 * an observation is a bucket search and two additions. It is still a prom-client Histogram
 * in the registry: scrapes read it in the same text format (tested against prom-client's own).
 */
export class RequestDurations extends Histogram<Labels | 'le'> {
  readonly #name: string;
  readonly #help: string;
  readonly #bounds: readonly number[];
  readonly #series = new Map<string, Series>();

  constructor(options: { readonly name: string; readonly help: string; readonly buckets: readonly number[]; readonly registry: Registry }) {
    super({ name: options.name, help: options.help, labelNames: ['protocol', 'route'], buckets: [...options.buckets], registers: [options.registry] });
    this.#name = options.name;
    this.#help = options.help;
    this.#bounds = [...options.buckets].sort((a, b) => a - b);
  }

  /** The series of one protocol and route: made on first use, then the same one. */
  series(protocol: string, route: string): DurationSeries {
    const key = `${protocol}\u0000${route}`;
    let series = this.#series.get(key);
    if (series === undefined) {
      series = { labels: { protocol, route }, counts: new Float64Array(this.#bounds.length + 1), sum: 0 };
      this.#series.set(key, series);
    }
    const bounds = this.#bounds;
    const found = series;
    return {
      observe: (seconds) => {
        let i = 0;
        while (i < bounds.length && seconds > (bounds[i] as number)) i++;
        found.counts[i] = (found.counts[i] as number) + 1;
        found.sum += seconds;
      },
    };
  }

  override async get(): ReturnType<Histogram<Labels | 'le'>['get']> {
    const values: Awaited<ReturnType<Histogram<Labels | 'le'>['get']>>['values'] = [];
    for (const { labels, counts, sum } of this.#series.values()) {
      let cumulative = 0;
      counts.forEach((count, i) => {
        cumulative += count;
        const le = i < this.#bounds.length ? (this.#bounds[i] as number) : '+Inf';
        values.push({ labels: { le, ...labels }, value: cumulative, metricName: `${this.#name}_bucket` });
      });
      values.push({ labels: { ...labels }, value: sum, metricName: `${this.#name}_sum` });
      values.push({ labels: { ...labels }, value: cumulative, metricName: `${this.#name}_count` });
    }
    // prom-client's typings call `type` an enum; its code (and the registry) use the string
    return { name: this.#name, help: this.#help, type: 'histogram' as unknown as MetricObject['type'], aggregator: 'sum', collect: () => undefined, values };
  }

  /** What the registry formats a scrape from (prom-client's own method, not in its typings): the same values. */
  getForPromString(): ReturnType<Histogram<Labels | 'le'>['get']> {
    return this.get();
  }

  override reset(): void {
    super.reset();
    // prom-client's constructor calls reset() before this class's fields exist
    if (#series in this) this.#series.clear();
  }
}

/** What a request's handler keeps: the count of its protocol, route and status, found once. */
export interface CountSeries {
  inc(): void;
}

/**
 * `pgduet_http_requests_total`, counted once per request. prom-client's Counter checks and
 * hashes the label set on every increment, even through a child; here a request adds one to a
 * plain number of its label set, and the counter takes what was added when it is scraped
 * (its `collect`, prom-client's own hook): the same counter, the same text.
 */
export class RequestCounts {
  readonly counter: Counter<'protocol' | 'route' | 'status'>;
  readonly #series = new Map<string, { readonly labels: Readonly<Record<'protocol' | 'route' | 'status', string>>; added: number }>();

  constructor(options: { readonly name: string; readonly help: string; readonly registry: Registry }) {
    const series = this.#series;
    this.counter = new Counter({
      name: options.name,
      help: options.help,
      labelNames: ['protocol', 'route', 'status'] as const,
      registers: [options.registry],
      collect() {
        for (const entry of series.values()) {
          if (entry.added === 0) continue;
          this.inc(entry.labels, entry.added);
          entry.added = 0;
        }
      },
    });
  }

  /** The count of one protocol, route and status: made on first use, then the same one. */
  series(protocol: string, route: string, status: number): CountSeries {
    const key = `${protocol}\u0000${route}\u0000${status}`;
    let entry = this.#series.get(key);
    if (entry === undefined) {
      entry = { labels: { protocol, route, status: String(status) }, added: 0 };
      this.#series.set(key, entry);
    }
    const found = entry;
    return {
      inc: () => {
        found.added += 1;
      },
    };
  }
}
