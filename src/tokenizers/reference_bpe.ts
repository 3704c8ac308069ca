// The reference byte-level BPE: naive, obviously right, kept as the test oracle for the fast paths.
// Follows karpathy/minbpe (get_stats / merge / train / encode_chunk) and tiktoken's _educational.py
// (bpe_encode over ranks). Quadratic on purpose; use it on small inputs only.

import { utf8Encode } from './utf8.js';

/** Count adjacent pairs (minbpe `get_stats`), keyed "a,b". */
export function getStats(ids: readonly number[], counts: Map<string, number> = new Map()): Map<string, number> {
  for (let i = 0; i + 1 < ids.length; i++) {
    const k = ids[i] + ',' + ids[i + 1];
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

/** Replace every non-overlapping occurrence of `pair`, left to right, by `id` (minbpe `merge`). */
export function mergePair(ids: readonly number[], pair: readonly [number, number], id: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < ids.length;) {
    if (i + 1 < ids.length && ids[i] === pair[0] && ids[i + 1] === pair[1]) { out.push(id); i += 2; }
    else { out.push(ids[i]!); i += 1; }
  }
  return out;
}

/**
 * Train merges on pre-tokenized pieces: each step merges the most frequent pair; ties go to the smallest
 * (left id, right id). New ids are 256 + step. Stops early when no pair is left.
 * @example referenceTrain(['aaab', 'aab'], 2) // [[97, 97], [256, 98]]
 */
export function referenceTrain(pieces: readonly string[], numMerges: number): [number, number][] {
  let chunks = pieces.map((p) => Array.from(utf8Encode(p)));
  const merges: [number, number][] = [];
  for (let m = 0; m < numMerges; m++) {
    const stats = new Map<string, number>();
    for (const c of chunks) getStats(c, stats);
    let best: [number, number] | null = null, bestCount = 0;
    for (const [k, v] of stats) {
      const [a, b] = k.split(',').map(Number) as [number, number];
      if (v > bestCount || (v === bestCount && best && (a < best[0] || (a === best[0] && b < best[1])))) {
        best = [a, b]; bestCount = v;
      }
    }
    if (!best) break;
    chunks = chunks.map((c) => mergePair(c, best!, 256 + m));
    merges.push(best);
  }
  return merges;
}

/**
 * Encode one piece with merges semantics (minbpe `_encode_chunk`, Hugging Face BPE): repeatedly apply the
 * listed merge of lowest rank present. `merges` maps "a,b" -> [rank, merged id]; `byteId` maps a byte to its id.
 */
export function referenceEncodeMerges(bytes: Uint8Array, byteId: (b: number) => number, merges: Map<string, [number, number]>): number[] {
  let ids = Array.from(bytes, byteId);
  while (ids.length >= 2) {
    let best: [number, number] | null = null, bestRank = Infinity, bestId = -1;
    for (let i = 0; i + 1 < ids.length; i++) {
      const m = merges.get(ids[i] + ',' + ids[i + 1]);
      if (m && m[0] < bestRank) { bestRank = m[0]; best = [ids[i]!, ids[i + 1]!]; bestId = m[1]; }
    }
    if (!best) break;
    ids = mergePair(ids, best, bestId);
  }
  return ids;
}

/**
 * Encode one piece with rank semantics (tiktoken `_educational.bpe_encode`): a piece that is itself a token
 * is that token; otherwise repeatedly join the adjacent parts whose concatenation has the lowest rank
 * (leftmost on ties). `ranks` maps latin1-keyed byte strings to rank (= id).
 */
export function referenceEncodeRanks(bytes: Uint8Array, ranks: Map<string, number>): number[] {
  const whole = ranks.get(latin1(bytes));
  if (whole !== undefined) return [whole];
  let parts = Array.from(bytes, (b) => String.fromCharCode(b));
  for (;;) {
    let minIdx = -1, minRank = Infinity;
    for (let i = 0; i + 1 < parts.length; i++) {
      const r = ranks.get(parts[i]! + parts[i + 1]!);
      if (r !== undefined && r < minRank) { minRank = r; minIdx = i; }
    }
    if (minIdx < 0) break;
    parts = [...parts.slice(0, minIdx), parts[minIdx]! + parts[minIdx + 1]!, ...parts.slice(minIdx + 2)];
  }
  return parts.map((p) => {
    const r = ranks.get(p);
    if (r === undefined) throw new Error(`referenceEncodeRanks: byte 0x${p.charCodeAt(0).toString(16)} has no rank`);
    return r;
  });
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}
