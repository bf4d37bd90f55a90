/**
 * Storage for the seen set's slabs: equal 16 KiB segments carved from one WebAssembly linear
 * memory used as a growable heap (no WebAssembly code runs).
 *
 * Why this shape: the linear memory grows in place and commits pages only when they are first
 * written, and segments are never moved or freed, so growth leaves no old copy behind for the
 * allocator to fragment (one buffer per shard cost 20–70 bytes of RSS per fingerprint). Its
 * views are plain typed arrays, which index about three times faster in Node 20 than views of
 * resizable `ArrayBuffer`s.
 *
 * Invariants:
 * - a segment is SEG_SLOTS slots of two words, at a word offset that never changes while the
 *   heap lives; segments handed out are zero until their owner writes them;
 * - `view` covers every segment handed out plus at least 16 more words, so a read one cache
 *   line past any slot stays inside it; it is replaced (never resized) when the memory grows,
 *   so holders of a view must take it again after each `allocate`;
 * - the heap never passes 4 GiB, the most a linear memory can address.
 */
import { ErrorCodes, StoreError } from '../errors.ts';

/** log2 of the slots per segment. */
export const SEG_SHIFT = 11;
/** Slots per segment. */
export const SEG_SLOTS = 1 << SEG_SHIFT;
/** Mask of a slot's index inside its segment. */
export const SEG_MASK = SEG_SLOTS - 1;
/** Words per segment (two per slot). */
export const SEG_WORDS = SEG_SLOTS * 2;
/** Words readable past the last segment (one cache line). */
const READ_AHEAD = 16;
const WASM_PAGE = 65536;
const WASM_MAX_PAGES = 65536;

/** The part of `WebAssembly.Memory` used here (the project's libs do not declare WebAssembly). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
const WasmMemoryClass = (globalThis as unknown as { WebAssembly: { Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory } })
  .WebAssembly.Memory;

/** A bump allocator of never-freed, equal segments in one growable linear memory. */
export class SegmentHeap {
  /** View of the whole memory; replaced whenever the memory grows. */
  view = new Int32Array(0);
  /** Created on the first allocation, so an empty set reserves nothing. */
  private memory: WasmMemory | null = null;
  /** Words handed out to segments so far. */
  private top = 0;

  /**
   * Hands out `count` zeroed segments, appending their word offsets to `segs`. Returns the
   * current view (a new one if the memory had to grow).
   */
  allocate(segs: number[], count: number): Int32Array<ArrayBuffer> {
    const words = this.top + count * SEG_WORDS;
    if (words + READ_AHEAD > this.view.length) this.grow(words + READ_AHEAD);
    for (let k = 0; k < count; k++) {
      segs.push(this.top);
      this.top += SEG_WORDS;
    }
    return this.view;
  }

  /** Grows the linear memory in place to hold at least `words` words (pages past use stay uncommitted). */
  private grow(words: number): void {
    const pages = Math.ceil((words * 4) / WASM_PAGE);
    if (pages > WASM_MAX_PAGES) {
      throw new StoreError(ErrorCodes.STORE_IO, `seen set full: it would need more than ${WASM_MAX_PAGES * WASM_PAGE} bytes`);
    }
    if (this.memory === null) this.memory = new WasmMemoryClass({ initial: 0, maximum: WASM_MAX_PAGES });
    const have = this.memory.buffer.byteLength / WASM_PAGE;
    // Reserving ahead costs nothing (untouched pages are not resident) and keeps grows rare.
    const want = Math.min(WASM_MAX_PAGES, Math.max(pages, have + (have >>> 2), 64));
    this.memory.grow(want - have);
    this.view = new Int32Array(this.memory.buffer);
  }
}
