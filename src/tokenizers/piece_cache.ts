// Cache of pre-token -> token ids, keyed by the characters of text[i, e) without making a substring:
// hash the UTF-16 code units, probe an open-addressing table of (hash, entry) pairs, compare against a
// flat key pool. One 8-int record per entry keeps a hit to a couple of cache lines. Bounded: when full it
// starts over (the common pieces come back at once).

const REC = 8; // [hash, keyOff, keyLen, nIds, id0 | valOff, -, -, -]

export class PieceCache {
  private slots: Int32Array; // pairs: hash, entry + 1 (0 = empty)
  private mask: number;
  private recs: Int32Array;
  private keys: Uint16Array;
  private vals: Int32Array;
  private n = 0;
  private kUsed = 0;
  private vUsed = 0;
  /** Slot found by the last `lookup` miss, reused by `insert`. */
  private lastSlot = 0;
  private lastHash = 0;

  constructor(readonly maxEntries = 1 << 17, readonly maxPiece = 64) {
    const cap = maxEntries * 2;
    this.slots = new Int32Array(cap * 2);
    this.mask = cap - 1;
    this.recs = new Int32Array(maxEntries * REC);
    this.keys = new Uint16Array(maxEntries * 8);
    this.vals = new Int32Array(maxEntries * 4);
  }

  /** Find text[i, e): returns the record offset, or -1 (and remembers where to insert). */
  lookup(text: string, i: number, e: number): number {
    let h = 0x811c9dc5 ^ (e - i);
    for (let k = i; k < e; k++) h = Math.imul(h ^ text.charCodeAt(k), 0x01000193);
    h ^= h >>> 16;
    const slots = this.slots, recs = this.recs, keys = this.keys, mask = this.mask, len = e - i;
    let s = h & mask;
    for (;;) {
      const ent = slots[2 * s + 1]!;
      if (ent === 0) { this.lastSlot = s; this.lastHash = h; return -1; }
      if (slots[2 * s] === h) {
        const r = (ent - 1) * REC;
        if (recs[r + 2] === len) {
          const o = recs[r + 1]! - i;
          let k = i;
          while (k < e && keys[o + k] === text.charCodeAt(k)) k++;
          if (k === e) return r;
        }
      }
      s = (s + 1) & mask;
    }
  }

  /** Append the ids of record `r` to out; returns how many. */
  emit(r: number, out: number[]): number {
    const recs = this.recs;
    const n = recs[r + 3]!;
    if (n === 1) { out.push(recs[r + 4]!); return 1; }
    const o = recs[r + 4]!, vals = this.vals;
    for (let k = 0; k < n; k++) out.push(vals[o + k]!);
    return n;
  }

  /** Number of ids of record `r`. */
  size(r: number): number { return this.recs[r + 3]!; }

  /** Insert text[i, e) -> ids[from, to) right after a missed `lookup` of the same piece. */
  insert(text: string, i: number, e: number, ids: readonly number[], from: number, to: number): void {
    const len = e - i, n = to - from;
    if (len > this.maxPiece) return;
    if (this.n >= this.maxEntries || this.kUsed + len > this.keys.length || this.vUsed + n > this.vals.length) {
      this.clear();
      this.lookup(text, i, e);
    }
    const ent = this.n++;
    this.slots[2 * this.lastSlot] = this.lastHash;
    this.slots[2 * this.lastSlot + 1] = ent + 1;
    const r = ent * REC, recs = this.recs;
    recs[r] = this.lastHash; recs[r + 1] = this.kUsed; recs[r + 2] = len; recs[r + 3] = n;
    for (let k = 0; k < len; k++) this.keys[this.kUsed + k] = text.charCodeAt(i + k);
    this.kUsed += len;
    if (n === 1) recs[r + 4] = ids[from]!;
    else {
      recs[r + 4] = this.vUsed;
      for (let k = from; k < to; k++) this.vals[this.vUsed++] = ids[k]!;
    }
  }

  clear(): void {
    this.slots.fill(0);
    this.n = 0; this.kUsed = 0; this.vUsed = 0;
  }
}
