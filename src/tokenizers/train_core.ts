// The fast BPE trainer: incremental pair counts, an index pair -> words, and a lazy max-heap, as in
// Hugging Face tokenizers' BpeTrainer. Deterministic: highest count wins, ties go to the smallest
// (left id, right id), exactly the rule of reference_bpe.ts::referenceTrain, whose merges it reproduces.

import { PairTable } from './bpe_core.js';
import { utf8EncodeInto } from './utf8.js';

/** Progress callback: merges done so far, merges asked for. */
export type MergeProgress = (done: number, total: number) => void;

/**
 * Learn up to `numMerges` merges from unique pieces and their counts. Ids 0..255 are bytes; merge i makes id 256+i.
 * @example trainMerges(new Map([['aaab', 1], ['aab', 1]]), 2) // [[97, 97], [256, 98]]
 */
export function trainMerges(pieces: ReadonlyMap<string, number>, numMerges: number, onProgress?: MergeProgress): [number, number][] {
  // Words: symbols of every unique piece, back to back (UTF-8 bytes written straight into one buffer).
  const nWords = pieces.size;
  const wStart = new Int32Array(nWords + 1), wLen = new Int32Array(nWords), wFreq = new Float64Array(nWords);
  let bytes = new Uint8Array(1 << 16), used = 0, w0 = 0;
  for (const [p, f] of pieces) {
    if (used + p.length * 3 > bytes.length) { const b = new Uint8Array(Math.max(bytes.length * 2, used + p.length * 3)); b.set(bytes.subarray(0, used)); bytes = b; }
    const n = utf8EncodeInto(p, 0, p.length, bytes.subarray(used), false);
    wStart[w0] = used; wLen[w0] = n; wFreq[w0] = f; used += n; w0++;
  }
  wStart[nWords] = used;
  const sym = Int32Array.from(bytes.subarray(0, used));

  // Pairs: table (a, b) -> pair index; per pair: a, b, count, and a linked list of word ids.
  const table = new PairTable(1 << 16);
  let cap = 1 << 16, nPairs = 0;
  let pA = new Int32Array(cap), pB = new Int32Array(cap), pCount = new Float64Array(cap), pHead = new Int32Array(cap), pStamp = new Int32Array(cap);
  let nodeWord = new Int32Array(1 << 20), nodeNext = new Int32Array(1 << 20), nNodes = 0;
  const pairOf = (a: number, b: number): number => {
    const s = table.find(a, b);
    if (s >= 0) return table.rankAt(s);
    if (nPairs === cap) {
      cap *= 2;
      const grow = <T extends Int32Array | Float64Array>(x: T, C: new (n: number) => T): T => { const y = new C(cap); y.set(x); return y; };
      pA = grow(pA, Int32Array); pB = grow(pB, Int32Array); pCount = grow(pCount, Float64Array); pHead = grow(pHead, Int32Array); pStamp = grow(pStamp, Int32Array);
    }
    const id = nPairs++;
    pA[id] = a; pB[id] = b; pCount[id] = 0; pHead[id] = -1; pStamp[id] = -1;
    table.set(a, b, id, id);
    return id;
  };
  const addWord = (pair: number, w: number): void => {
    if (pHead[pair]! >= 0 && nodeWord[pHead[pair]!] === w) return; // same word just added
    if (nNodes === nodeWord.length) {
      const cap2 = Math.ceil(nNodes * 1.5);
      const nw = new Int32Array(cap2); nw.set(nodeWord); nodeWord = nw;
      const nn = new Int32Array(cap2); nn.set(nodeNext); nodeNext = nn;
    }
    nodeWord[nNodes] = w; nodeNext[nNodes] = pHead[pair]!; pHead[pair] = nNodes++;
  };

  for (let w = 0; w < nWords; w++) {
    const s = wStart[w]!, e = s + wLen[w]!, f = wFreq[w]!;
    for (let i = s; i + 1 < e; i++) { const p = pairOf(sym[i]!, sym[i + 1]!); pCount[p] += f; addWord(p, w); }
  }

  // Lazy max-heap of (count, pair): entries may overstate a count that has since dropped.
  let hCount = new Float64Array(nPairs + 1024), hPair = new Int32Array(nPairs + 1024), hn = 0;
  const better = (c1: number, p1: number, c2: number, p2: number): boolean =>
    c1 > c2 || (c1 === c2 && (pA[p1]! < pA[p2]! || (pA[p1] === pA[p2] && pB[p1]! < pB[p2]!)));
  const push = (c: number, p: number): void => {
    if (hn === hCount.length) {
      const nc = new Float64Array(hn * 2); nc.set(hCount); hCount = nc;
      const np = new Int32Array(hn * 2); np.set(hPair); hPair = np;
    }
    let i = hn++;
    while (i > 0) {
      const q = (i - 1) >> 1;
      if (!better(c, p, hCount[q]!, hPair[q]!)) break;
      hCount[i] = hCount[q]!; hPair[i] = hPair[q]!; i = q;
    }
    hCount[i] = c; hPair[i] = p;
  };
  const pop = (): void => {
    const c = hCount[--hn]!, p = hPair[hn]!;
    let i = 0;
    for (;;) {
      let k = 2 * i + 1;
      if (k >= hn) break;
      if (k + 1 < hn && better(hCount[k + 1]!, hPair[k + 1]!, hCount[k]!, hPair[k]!)) k++;
      if (!better(hCount[k]!, hPair[k]!, c, p)) break;
      hCount[i] = hCount[k]!; hPair[i] = hPair[k]!; i = k;
    }
    hCount[i] = c; hPair[i] = p;
  };
  for (let p = 0; p < nPairs; p++) if (pCount[p]! > 0) push(pCount[p]!, p);

  const merges: [number, number][] = [];
  const stamp = new Int32Array(nWords).fill(-1);
  const touched: number[] = [];
  const step = Math.max(1, Math.floor(numMerges / 100));
  while (merges.length < numMerges && hn > 0) {
    const c = hCount[0]!, best = hPair[0]!;
    pop();
    const cur = pCount[best]!;
    if (cur !== c) { if (cur > 0) push(cur, best); continue; }
    const a = pA[best]!, b = pB[best]!;
    const m = merges.length;
    const z = 256 + m;
    merges.push([a, b]);
    touched.length = 0;
    for (let node = pHead[best]!; node >= 0; node = nodeNext[node]!) {
      const w = nodeWord[node]!;
      if (stamp[w] === m) continue;
      stamp[w] = m;
      const s = wStart[w]!, len = wLen[w]!, f = wFreq[w]!;
      let o = s; // write position
      for (let i = s; i < s + len;) {
        if (i + 1 < s + len && sym[i] === a && sym[i + 1] === b) {
          if (o > s) {
            const prev = sym[o - 1]!;
            pCount[pairOf(prev, a)] -= f;
            const q = pairOf(prev, z); pCount[q] += f; addWord(q, w); touched.push(q);
          }
          pCount[best] -= f;
          if (i + 2 < s + len) {
            const nx = sym[i + 2]!;
            pCount[pairOf(b, nx)] -= f;
            const q = pairOf(z, nx); pCount[q] += f; addWord(q, w); touched.push(q);
          }
          sym[o++] = z;
          i += 2;
        } else {
          sym[o++] = sym[i]!;
          i++;
        }
      }
      wLen[w] = o - s;
    }
    // Pairs with z are new: enter each once, at its final count.
    for (const q of touched) if (pStamp[q] !== m) { pStamp[q] = m; if (pCount[q]! > 0) push(pCount[q]!, q); }
    if (onProgress && (m + 1) % step === 0) onProgress(m + 1, numMerges);
  }
  onProgress?.(merges.length, numMerges);
  return merges;
}
