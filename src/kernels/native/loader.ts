// Loads the native addon (build/Release/lmforge.node) if it was built, and wraps it as Kernels:
// every kernel the addon lacks falls back to the JS reference with a one-time warning naming it.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { Kernels } from '../abi.js';

export interface NativeInfo {
  kernels: Kernels;
  simd: string;
  threads: number;
  /** Raw addon, for benchmarks and parity tests. */
  addon: Record<string, unknown>;
}

const here = dirname(fileURLToPath(import.meta.url));
// dist/src/kernels/native -> repository root
const root = join(here, '..', '..', '..', '..');

export function addonPath(): string {
  return join(root, 'build', 'Release', 'lmforge.node');
}

let lastError = 'not built (run `npm run build:native`)';
export function nativeError(): string { return lastError; }

export function loadNative(js: Kernels): NativeInfo | null {
  const p = addonPath();
  if (!existsSync(p)) { lastError = `not built: ${p} is missing`; return null; }
  let addon: Record<string, unknown>;
  try {
    addon = createRequire(import.meta.url)(p) as Record<string, unknown>;
  } catch (e) {
    lastError = `failed to load ${p}: ${(e as Error).message}`;
    return null;
  }
  const threadsEnv = process.env.LMFORGE_THREADS;
  if (threadsEnv !== undefined && typeof addon.setThreads === 'function') {
    const n = Number(threadsEnv);
    if (!Number.isInteger(n) || n < 1) throw new Error(`LMFORGE_THREADS must be a positive integer, got '${threadsEnv}'`);
    (addon.setThreads as (n: number) => void)(n);
  }
  const warned = new Set<string>();
  const kernels: Record<string, unknown> = { name: 'native' };
  for (const key of Object.keys(js) as (keyof Kernels)[]) {
    if (key === 'name') continue;
    const impl = addon[key];
    if (typeof impl === 'function') kernels[key] = impl;
    else {
      const fallback = js[key] as (...a: unknown[]) => unknown;
      kernels[key] = (...args: unknown[]) => {
        if (!warned.has(key)) {
          warned.add(key);
          if (!process.env.LMFORGE_QUIET) console.error(`lmforge: native kernel '${key}' is missing; using the JS reference for it`);
        }
        return fallback(...args);
      };
    }
  }
  const simd = typeof addon.simd === 'function' ? String((addon.simd as () => string)()) : 'unknown';
  const threads = typeof addon.getThreads === 'function' ? Number((addon.getThreads as () => number)()) : 1;
  return { kernels: kernels as unknown as Kernels, simd, threads, addon };
}
