// Special tokens: resolving the encode policy (raise / allow / text) and finding special-token text.
// Follows tiktoken's encode(allowed_special, disallowed_special="all"): disallowed specials anywhere in
// the text raise; allowed ones split the text and become their ids; the rest is ordinary text.

import type { EncodeOptions } from './types.js';

export interface ResolvedSpecial {
  /** Specials that become ids (longest first at a position). */
  allowed: string[];
  /** Specials whose presence raises. */
  disallowed: string[];
}

const NONE: ResolvedSpecial = { allowed: [], disallowed: [] };

/** Special-token lookups for one tokenizer. */
export class SpecialTokens {
  readonly map: ReadonlyMap<string, number>;
  private readonly all: string[];
  private readonly prefix: string;
  private readonly raiseAll: ResolvedSpecial;
  private readonly allowAll: ResolvedSpecial;

  constructor(map: ReadonlyMap<string, number>) {
    this.map = map;
    this.all = [...map.keys()].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
    let p = this.all[0] ?? '';
    for (const s of this.all) while (!s.startsWith(p)) p = p.slice(0, -1);
    this.prefix = p;
    this.raiseAll = { allowed: [], disallowed: this.all };
    this.allowAll = { allowed: this.all, disallowed: [] };
  }

  /** Which specials are ids and which raise, for these options. */
  resolve(opts?: EncodeOptions): ResolvedSpecial {
    if (this.all.length === 0) return NONE;
    const policy = opts?.policy ?? 'raise';
    const list = opts?.allowedSpecial;
    if (policy === 'text') return NONE;
    if (list === undefined || list === 'all') return policy === 'allow' || list === 'all' ? this.allowAll : this.raiseAll;
    const set = new Set(list);
    for (const s of set) if (!this.map.has(s)) throw new Error(`tokenizer: allowedSpecial lists '${s}', which is not a special token of this tokenizer`);
    const allowed = this.all.filter((s) => set.has(s));
    return { allowed, disallowed: policy === 'allow' ? [] : this.all.filter((s) => !set.has(s)) };
  }

  /** Throw if text contains a disallowed special token (error names the token and its offset). */
  check(text: string, r: ResolvedSpecial): void {
    if (r.disallowed.length === 0 || (this.prefix && text.indexOf(this.prefix) < 0)) return;
    let first = -1, tok = '';
    for (const s of r.disallowed) {
      const i = text.indexOf(s);
      if (i >= 0 && (first < 0 || i < first)) { first = i; tok = s; }
    }
    if (first >= 0) {
      throw new Error(`tokenizer: the text contains the special token '${tok}' at offset ${first}; ` +
        `pass { policy: 'allow' } to encode it as a special token, { policy: 'text' } to encode it as text, ` +
        `or list it in allowedSpecial`);
    }
  }

  /** The next allowed special at or after `from`: [offset, token], or null. Longest wins at equal offsets. */
  next(text: string, from: number, allowed: readonly string[]): [number, string] | null {
    if (allowed.length === 0 || (this.prefix && text.indexOf(this.prefix, from) < 0)) return null;
    let best = -1, tok = '';
    for (const s of allowed) {
      const i = text.indexOf(s, from);
      if (i >= 0 && (best < 0 || i < best)) { best = i; tok = s; }
    }
    return best < 0 ? null : [best, tok];
  }

  /** Split text into [ordinary text, special or null] segments, ignoring the policy (training uses this). */
  segments(text: string): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    let start = 0;
    for (;;) {
      const m = this.next(text, start, this.all);
      const end = m ? m[0] : text.length;
      if (end > start) out.push([start, end]);
      if (!m) break;
      start = m[0] + m[1].length;
    }
    return out;
  }
}
