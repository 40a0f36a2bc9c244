import { describe, expect, it } from 'vitest';
import type { TypeGraph } from '../../src/model/index.js';
import { GraphHolder, type GraphLoad } from '../../src/server/index.js';

const graph = (fingerprint: string): TypeGraph => ({
  version: 1,
  fingerprint,
  configDigest: 'c',
  serverVersionNum: 150000,
  schemas: ['public'],
  entities: [],
  functions: [],
  enums: [],
  composites: [],
});

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('GraphHolder', () => {
  it('keeps the old graph for readers until the new one is complete, then swaps', async () => {
    const next = deferred<GraphLoad>();
    const holder = new GraphHolder(graph('a'), () => next.promise);
    const before = holder.current;
    const reloading = holder.reload();
    expect(holder.current.graph.fingerprint).toBe('a');
    next.resolve({ graph: graph('b'), warnings: [] });
    const outcome = await reloading;
    expect(outcome.kind).toBe('swapped');
    expect(holder.current.graph.fingerprint).toBe('b');
    expect(holder.current.generation).toBe(2);
    // a reader that took the snapshot earlier still sees what it started with
    expect(before.graph.fingerprint).toBe('a');
  });

  it('may start empty (a source still loading): 503 PGRST002 until a load succeeds, which is generation 1', async () => {
    let up = false;
    const holder = new GraphHolder(undefined, () => (up ? Promise.resolve({ graph: graph('a'), warnings: [] }) : Promise.reject(new Error('db down'))));
    expect(holder.loaded).toBe(false);
    expect(() => holder.current).toThrow(expect.objectContaining({ code: 'PGD005', postgrest: 'PGRST002', status: 503 }));
    expect((await holder.reload()).kind).toBe('failed');
    expect(holder.loaded).toBe(false);
    const swaps: number[] = [];
    holder.onSwap((s) => swaps.push(s.generation));
    up = true;
    expect((await holder.reload()).kind).toBe('swapped');
    expect(holder.loaded).toBe(true);
    expect(holder.current.generation).toBe(1);
    expect(swaps).toEqual([1]);
  });

  it('keeps the old graph when a reload fails', async () => {
    const holder = new GraphHolder(graph('a'), () => Promise.reject(new Error('db down')));
    const outcome = await holder.reload();
    expect(outcome).toMatchObject({ kind: 'failed' });
    expect(holder.current.graph.fingerprint).toBe('a');
  });

  it('reports unchanged when the fingerprint is the same', async () => {
    const holder = new GraphHolder(graph('a'), () => Promise.resolve({ graph: graph('a'), warnings: [] }));
    expect((await holder.reload()).kind).toBe('unchanged');
    expect(holder.current.generation).toBe(1);
  });

  it('survives a swap listener that throws, and still calls the others', async () => {
    const holder = new GraphHolder(graph('a'), () => Promise.resolve({ graph: graph('b'), warnings: ['w'] }));
    const seen: string[] = [];
    holder.onSwap(() => {
      throw new Error('schema build failed');
    });
    holder.onSwap((s) => seen.push(s.graph.fingerprint));
    const outcome = await holder.reload();
    expect(outcome).toMatchObject({ kind: 'swapped', warnings: ['w', 'after the swap: schema build failed'] });
    expect(seen).toEqual(['b']);
  });

  it('runs one reload at a time and one more for everything asked meanwhile', async () => {
    let loads = 0;
    const gates = [deferred<void>(), deferred<void>()];
    const holder = new GraphHolder(graph('a'), async () => {
      const gate = gates[loads];
      loads++;
      await gate?.promise;
      return { graph: graph(`g${loads}`), warnings: [] };
    });
    const swaps: string[] = [];
    holder.onSwap((s) => swaps.push(s.graph.fingerprint));
    const first = holder.reload();
    const second = holder.reload();
    const third = holder.reload();
    gates[0]?.resolve();
    gates[1]?.resolve();
    await Promise.all([first, second, third]);
    expect(loads).toBe(2);
    expect(swaps).toEqual(['g1', 'g2']);
  });
});
