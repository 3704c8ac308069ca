// Cache of pre-token -> token ids, keyed by the characters of text[i, e) without making a substring:
// hash the UTF-16 code units, probe an open-addressing table, compare against a flat key pool.
// Bounded: when full it starts over (the common pieces come back at once).

export class PieceCache {
  private slots: Int32Array;
  private mask: number;
  private hash: Int32Array;
  private keyOff: Int32Array;
  private keyLen: Int32Array;
  private valOff: Int32Array;
  private valLen: Int32Array;
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
    this.slots = new Int32Array(cap);
    this.mask = cap - 1;
    this.hash = new Int32Array(maxEntries);
    this.keyOff = new Int32Array(maxEntries);
    this.keyLen = new Int32Array(maxEntries);
    this.valOff = new Int32Array(maxEntries);
    this.valLen = new Int32Array(maxEntries);
    this.keys = new Uint16Array(maxEntries * 8);
    this.vals = new Int32Array(maxEntries * 4);
  }

  /**
   * Find text[i, e): returns the entry index, or -1 (and remembers where to insert).
   */
  lookup(text: string, i: number, e: number): number {
    let h = 0x811c9dc5 ^ (e - i);
    for (let k = i; k < e; k++) h = Math.imul(h ^ text.charCodeAt(k), 0x01000193);
    h ^= h >>> 15;
    const keys = this.keys, len = e - i;
    let s = h & this.mask;
    for (;;) {
      const v = this.slots[s]!;
      if (v === 0) { this.lastSlot = s; this.lastHash = h; return -1; }
      const ent = v - 1;
      if (this.hash[ent] === h && this.keyLen[ent] === len) {
        const o = this.keyOff[ent]! - i;
        let k = i;
        while (k < e && keys[o + k] === text.charCodeAt(k)) k++;
        if (k === e) return ent;
      }
      s = (s + 1) & this.mask;
    }
  }

  /** Append entry `ent`'s ids to out; returns how many. */
  emit(ent: number, out: number[]): number {
    const o = this.valOff[ent]!, n = this.valLen[ent]!, vals = this.vals;
    if (n === 1) { out.push(vals[o]!); return 1; }
    for (let k = 0; k < n; k++) out.push(vals[o + k]!);
    return n;
  }

  /** Number of ids of entry `ent`. */
  size(ent: number): number { return this.valLen[ent]!; }

  /** Insert text[i, e) -> ids[from, to) right after a missed `lookup` of the same piece. */
  insert(text: string, i: number, e: number, ids: readonly number[], from: number, to: number): void {
    const len = e - i;
    if (len > this.maxPiece) return;
    if (this.n >= this.maxEntries || this.kUsed + len > this.keys.length || this.vUsed + (to - from) > this.vals.length) {
      this.clear();
      this.lookup(text, i, e);
    }
    const ent = this.n++;
    this.slots[this.lastSlot] = ent + 1;
    this.hash[ent] = this.lastHash;
    this.keyOff[ent] = this.kUsed; this.keyLen[ent] = len;
    for (let k = 0; k < len; k++) this.keys[this.kUsed + k] = text.charCodeAt(i + k);
    this.kUsed += len;
    this.valOff[ent] = this.vUsed; this.valLen[ent] = to - from;
    for (let k = from; k < to; k++) this.vals[this.vUsed++] = ids[k]!;
  }

  clear(): void {
    this.slots.fill(0);
    this.n = 0; this.kUsed = 0; this.vUsed = 0;
  }
}
