// Token bytes stored flat (one byte pool + offsets: no object per token) and a hash index bytes -> id.
// Loading 200,000 tokens this way takes milliseconds; Map<string, id> with per-token strings took seconds.

/** id -> bytes, flat. Holes (unused ids) have length -1. */
export class TokenTable {
  pool: Uint8Array;
  start: Int32Array;
  len: Int32Array;
  /** Number of ids (largest id + 1). */
  size = 0;
  private used = 0;

  constructor(expectedIds = 1024, expectedBytes = expectedIds * 8) {
    this.pool = new Uint8Array(Math.max(16, expectedBytes));
    this.start = new Int32Array(Math.max(16, expectedIds));
    this.len = new Int32Array(Math.max(16, expectedIds)).fill(-1);
  }

  /** Build from an array of byte strings (undefined = hole). */
  static fromArrays(arr: ReadonlyArray<Uint8Array | undefined>): TokenTable {
    let bytes = 0;
    for (const t of arr) if (t) bytes += t.length;
    const tt = new TokenTable(arr.length, bytes);
    arr.forEach((t, id) => { if (t) tt.set(id, t, 0, t.length); });
    return tt;
  }

  /** Set id's bytes to src[s, e). Throws if id is already set. */
  set(id: number, src: Uint8Array, s: number, e: number): void {
    this.reserve(id, e - s);
    if (this.len[id]! >= 0) throw new Error(`token id ${id} is defined twice`);
    this.pool.set(src.subarray(s, e), this.used);
    this.start[id] = this.used;
    this.len[id] = e - s;
    this.used += e - s;
    if (id >= this.size) this.size = id + 1;
  }

  /** Make room for id and n more bytes; returns the pool offset where they would go. */
  reserve(id: number, n: number): number {
    if (id >= this.start.length) {
      let c = this.start.length * 2;
      while (c <= id) c *= 2;
      const s = new Int32Array(c); s.set(this.start); this.start = s;
      const l = new Int32Array(c).fill(-1); l.set(this.len); this.len = l;
    }
    if (this.used + n > this.pool.length) {
      const p = new Uint8Array(Math.max(this.pool.length * 2, this.used + n)); p.set(this.pool.subarray(0, this.used)); this.pool = p;
    }
    return this.used;
  }

  /** Commit n bytes already written at `reserve`'s offset as id's bytes. */
  commit(id: number, n: number): void {
    if (this.len[id]! >= 0) throw new Error(`token id ${id} is defined twice`);
    this.start[id] = this.used; this.len[id] = n; this.used += n;
    if (id >= this.size) this.size = id + 1;
  }

  has(id: number): boolean { return id >= 0 && id < this.size && this.len[id]! >= 0; }

  /** A view of id's bytes, or undefined for a hole. */
  get(id: number): Uint8Array | undefined {
    if (!this.has(id)) return undefined;
    return this.pool.subarray(this.start[id]!, this.start[id]! + this.len[id]!);
  }

  /** Number of defined ids. */
  count(): number { let n = 0; for (let i = 0; i < this.size; i++) if (this.len[i]! >= 0) n++; return n; }
}

function hashBytes(b: Uint8Array, s: number, e: number): number {
  let h = 0x811c9dc5 ^ (e - s);
  for (let i = s; i < e; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return (h ^ (h >>> 15)) >>> 0;
}

/** bytes -> id over a TokenTable (open addressing; slots hold id + 1). */
export class BytesIndex {
  private slots: Int32Array;
  private mask: number;

  constructor(private readonly table: TokenTable) {
    let cap = 16;
    while (cap < table.size * 2) cap <<= 1;
    this.slots = new Int32Array(cap);
    this.mask = cap - 1;
    for (let id = 0; id < table.size; id++) {
      if (table.len[id]! < 0) continue;
      const s = table.start[id]!, e = s + table.len[id]!;
      const found = this.find(table.pool, s, e);
      if (found >= 0) throw new Error(`tokens ${found} and ${id} have the same bytes`);
      let i = hashBytes(table.pool, s, e) & this.mask;
      while (this.slots[i] !== 0) i = (i + 1) & this.mask;
      this.slots[i] = id + 1;
    }
  }

  /** Id whose bytes are b[s, e), or -1. */
  find(b: Uint8Array, s: number, e: number): number {
    const t = this.table, pool = t.pool, n = e - s;
    let i = hashBytes(b, s, e) & this.mask;
    for (;;) {
      const v = this.slots[i]!;
      if (v === 0) return -1;
      const id = v - 1;
      if (t.len[id] === n) {
        const o = t.start[id]!;
        let k = 0;
        while (k < n && pool[o + k] === b[s + k]) k++;
        if (k === n) return id;
      }
      i = (i + 1) & this.mask;
    }
  }
}
