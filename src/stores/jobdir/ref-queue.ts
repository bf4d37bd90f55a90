/**
 * The pending requests of one host as refs (file offsets of their entries), in lease order:
 * higher priority first, then lower depth, then first pushed.
 *
 * The same bucket layout as the memory frontier's HostQueue, but holding plain numbers (8 bytes
 * each in a packed double array) so that millions of pending requests cost tens of megabytes,
 * not request objects; and refs can be rewritten in place when the log is compacted.
 *
 * Invariants: `buckets` is sorted best-first and holds no empty bucket; inside a bucket refs
 * are in push order; `size` is the number of refs held; `delayed` counts this host's requests
 * waiting for a retry time elsewhere (they are pending but not in a bucket).
 */

class Bucket {
  refs: number[] = [];
  head = 0;
  constructor(
    readonly priority: number,
    readonly depth: number,
  ) {}
}

function before(pa: number, da: number, pb: number, db: number): boolean {
  return pa > pb || (pa === pb && da < db);
}

/** A per-host priority queue of refs. */
export class RefQueue {
  private buckets: Bucket[] = [];
  private last: Bucket | undefined;
  private count = 0;
  /** Pending requests of this host waiting for a retry time (held outside the buckets). */
  delayed = 0;

  /** Number of refs ready to lease. */
  get size(): number {
    return this.count;
  }

  /** Queues `ref` behind everything with the same priority and depth. */
  push(ref: number, priority: number, depth: number): void {
    let bucket = this.last;
    if (bucket === undefined || bucket.priority !== priority || bucket.depth !== depth || bucket.refs.length === 0) {
      bucket = this.bucketFor(priority, depth);
      this.last = bucket;
    }
    bucket.refs.push(ref);
    this.count++;
  }

  /** Removes and returns the best ref, or -1 when empty. */
  pop(): number {
    const bucket = this.buckets[0];
    if (bucket === undefined) return -1;
    const ref = bucket.refs[bucket.head++];
    this.count--;
    if (bucket.head === bucket.refs.length) {
      this.buckets.shift();
      bucket.refs = [];
      bucket.head = 0;
      if (this.last === bucket) this.last = undefined;
    } else if (bucket.head >= 4096 && bucket.head * 2 >= bucket.refs.length) {
      bucket.refs = bucket.refs.slice(bucket.head);
      bucket.head = 0;
    }
    return ref;
  }

  /** Calls `fn` for every queued ref, best first. */
  forEach(fn: (ref: number) => void): void {
    for (const bucket of this.buckets) {
      for (let i = bucket.head; i < bucket.refs.length; i++) fn(bucket.refs[i]);
    }
  }

  /** Rewrites every ref through `map` (after the log was compacted), keeping the order. */
  remap(map: (ref: number) => number): void {
    for (const bucket of this.buckets) {
      const refs = bucket.refs;
      const next = new Array<number>(refs.length - bucket.head);
      for (let i = bucket.head; i < refs.length; i++) next[i - bucket.head] = map(refs[i]);
      bucket.refs = next;
      bucket.head = 0;
    }
  }

  private bucketFor(priority: number, depth: number): Bucket {
    const list = this.buckets;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const b = list[mid];
      if (before(b.priority, b.depth, priority, depth)) lo = mid + 1;
      else hi = mid;
    }
    const found = list[lo];
    if (found !== undefined && found.priority === priority && found.depth === depth) return found;
    const bucket = new Bucket(priority, depth);
    list.splice(lo, 0, bucket);
    return bucket;
  }
}
