/**
 * A binary min-heap of values keyed by a time (epoch ms), over parallel arrays.
 *
 * Used for "what becomes due next": hosts waiting out their delay, requests released with a
 * retry time, leases ordered by expiry. Ties pop in insertion order (a sequence number breaks
 * them) so hosts that became ready at the same moment keep taking turns fairly.
 *
 * Invariant: for every index i > 0, key(parent(i)) <= key(i), where key = (time, seq).
 */
export class TimeHeap<T> {
  private times: number[] = [];
  private seqs: number[] = [];
  private values: T[] = [];
  private nextSeq = 0;

  /** Number of entries. */
  get size(): number {
    return this.values.length;
  }

  /** Adds `value` due at `time`. */
  push(time: number, value: T): void {
    const times = this.times;
    const seqs = this.seqs;
    const values = this.values;
    const seq = this.nextSeq++;
    let i = values.length;
    times.push(time);
    seqs.push(seq);
    values.push(value);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = times[parent];
      if (pt < time || (pt === time && seqs[parent] < seq)) break;
      times[i] = pt;
      seqs[i] = seqs[parent];
      values[i] = values[parent];
      i = parent;
    }
    times[i] = time;
    seqs[i] = seq;
    values[i] = value;
  }

  /** Time of the earliest entry, or undefined when empty. */
  peekTime(): number | undefined {
    return this.values.length === 0 ? undefined : this.times[0];
  }

  /** Value of the earliest entry, or undefined when empty. */
  peek(): T | undefined {
    return this.values[0];
  }

  /** Removes and returns the earliest entry's value. */
  pop(): T | undefined {
    const values = this.values;
    const n = values.length;
    if (n === 0) return undefined;
    const top = values[0];
    const times = this.times;
    const seqs = this.seqs;
    const lastTime = times.pop()!;
    const lastSeq = seqs.pop()!;
    const lastValue = values.pop()!;
    const size = n - 1;
    if (size > 0) {
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= size) break;
        const right = child + 1;
        if (right < size && (times[right] < times[child] || (times[right] === times[child] && seqs[right] < seqs[child]))) {
          child = right;
        }
        const ct = times[child];
        if (lastTime < ct || (lastTime === ct && lastSeq < seqs[child])) break;
        times[i] = ct;
        seqs[i] = seqs[child];
        values[i] = values[child];
        i = child;
      }
      times[i] = lastTime;
      seqs[i] = lastSeq;
      values[i] = lastValue;
    }
    return top;
  }

  /** Removes every entry. */
  clear(): void {
    this.times = [];
    this.seqs = [];
    this.values = [];
  }
}
