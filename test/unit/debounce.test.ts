import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { debounce } from '../../src/server/reload-triggers.js';

describe('debounce', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs once, after the last call of a burst', () => {
    const fn = vi.fn();
    const call = debounce(fn, 100, 1000);
    call();
    vi.advanceTimersByTime(50);
    call();
    vi.advanceTimersByTime(99);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('does not let a steady trickle put the call off past maxWait', () => {
    const fn = vi.fn();
    const call = debounce(fn, 100, 1000);
    for (let t = 0; t < 1500; t += 50) {
      call();
      vi.advanceTimersByTime(50);
    }
    // called at 1000 ms although calls kept coming every 50 ms
    expect(fn).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1000);
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it('can be cancelled', () => {
    const fn = vi.fn();
    const call = debounce(fn, 100);
    call();
    call.cancel();
    vi.advanceTimersByTime(5000);
    expect(fn).not.toHaveBeenCalled();
  });
});
