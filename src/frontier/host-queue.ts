/**
 * The pending requests of one host, in lease order: higher priority first, then lower depth
 * (breadth-first), then first pushed.
 *
 * Stored as buckets, one per (priority, depth) pair, each a FIFO array with a moving head.
 * A crawl uses few distinct pairs (a handful of priorities times the depth limit), so the bucket
 * list is short: push is an O(1) append to the last-used bucket in the common case (a page's
 * links share one depth and priority), pop is an O(1) shift of the best bucket's head.
 *
 * Invariants: `buckets` is sorted best-first and holds no empty bucket; FIFO order inside a
 * bucket is push order, which is what "first pushed" means (a request given back to the queue
 * counts as pushed again).
 */

class Bucket<T> {
  items: T[] = [];
  head = 0;
  constructor(
    readonly priority: number,
    readonly depth: number,
  ) {}
}

/** True when bucket key (pa, da) leases before (pb, db). */
function before(pa: number, da: number, pb: number, db: number): boolean {
  return pa > pb || (pa === pb && da < db);
}

/** A per-host priority queue with breadth-first tie-breaking and FIFO within equal keys. */
export class HostQueue<T> {
  private buckets: Bucket<T>[] = [];
  private last: Bucket<T> | undefined;
  private count = 0;

  /** Number of queued items. */
  get size(): number {
    return this.count;
  }

  /** Queues `item` behind everything already queued with the same priority and depth. */
  push(item: T, priority: number, depth: number): void {
    let bucket = this.last;
    if (bucket === undefined || bucket.priority !== priority || bucket.depth !== depth || bucket.items.length === 0) {
      bucket = this.bucketFor(priority, depth);
      this.last = bucket;
    }
    bucket.items.push(item);
    this.count++;
  }

  /** The item `pop` would return, without removing it. */
  peek(): T | undefined {
    const bucket = this.buckets[0];
    return bucket === undefined ? undefined : bucket.items[bucket.head];
  }

  /** Removes and returns the best item, or undefined when empty. */
  pop(): T | undefined {
    const bucket = this.buckets[0];
    if (bucket === undefined) return undefined;
    const item = bucket.items[bucket.head];
    bucket.items[bucket.head] = undefined as T;
    bucket.head++;
    this.count--;
    if (bucket.head === bucket.items.length) {
      // Emptied: drop it so the next best bucket is first; clear items so `push` re-finds it.
      this.buckets.shift();
      bucket.items = [];
      bucket.head = 0;
      if (this.last === bucket) this.last = undefined;
    } else if (bucket.head >= 4096 && bucket.head * 2 >= bucket.items.length) {
      // Reclaim the consumed prefix so a long-lived bucket does not hold dead slots.
      bucket.items = bucket.items.slice(bucket.head);
      bucket.head = 0;
    }
    return item;
  }

  /** Calls `fn` for every queued item, in no particular order. */
  forEach(fn: (item: T) => void): void {
    for (const bucket of this.buckets) {
      for (let i = bucket.head; i < bucket.items.length; i++) fn(bucket.items[i]);
    }
  }

  private bucketFor(priority: number, depth: number): Bucket<T> {
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
    const bucket = new Bucket<T>(priority, depth);
    list.splice(lo, 0, bucket);
    return bucket;
  }
}
