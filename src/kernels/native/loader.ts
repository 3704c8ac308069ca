// Loads the native addon (build/Release/lmforge.node, or the file named by LMFORGE_NATIVE_ADDON) if it
// was built, and wraps it as Kernels: every kernel the addon lacks falls back to the JS reference
// with a one-time warning naming it. The addon's kernels are csrc/*.c behind N-API (csrc/napi_*.c).
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { Kernels } from '../abi.js';

export interface NativeInfo {
  kernels: Kernels;
  /** 'avx512f', 'avx2+fma' or 'portable': the SIMD level the addon was compiled for. */
  simd: string;
  /** Thread-pool size now (LMFORGE_THREADS, default: the CPUs this process may use). */
  readonly threads: number;
  /** Kernels the addon does not export (they run on the JS reference). */
  missing: string[];
  /** Raw addon, for benchmarks and parity tests. */
  addon: Record<string, unknown>;
}

/** The kernel ABI this code calls (csrc/napi_bindings.c LF_ABI_VERSION); an addon built from other sources is refused. */
export const NATIVE_ABI_VERSION = 6;

const here = dirname(fileURLToPath(import.meta.url));
// dist/src/kernels/native -> repository root
const root = join(here, '..', '..', '..', '..');

/**
 * Where the addon is loaded from: LMFORGE_NATIVE_ADDON (an absolute path, e.g. a portable-C or
 * AVX-512 build made elsewhere) or build/Release/lmforge.node of this package.
 * @example addonPath() // '/path/to/lmforge/build/Release/lmforge.node'
 */
export function addonPath(): string {
  return process.env.LMFORGE_NATIVE_ADDON || join(root, 'build', 'Release', 'lmforge.node');
}

let lastError = 'not built (run `npm run build:native`)';
/** Why the addon is not in use (not built, failed to load), for messages. @example nativeError() // 'not built: …/lmforge.node is missing' */
export function nativeError(): string { return lastError; }

/**
 * Loads the addon and wraps it as a Kernels object (null when it is not built or fails to load;
 * nativeError() then says why).
 * @example const n = loadNative(jsKernels); if (n) n.kernels.gemm(...)
 */
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
  const abi = typeof addon.abiVersion === 'function' ? Number((addon.abiVersion as () => number)()) : 1;
  if (abi !== NATIVE_ABI_VERSION) {
    lastError = `stale build: ${p} implements kernel ABI ${abi}, this lmforge needs ${NATIVE_ABI_VERSION} (run \`npm run build:native\`)`;
    return null;
  }
  const threadsEnv = process.env.LMFORGE_THREADS;
  if (threadsEnv !== undefined && typeof addon.setThreads === 'function') {
    const n = Number(threadsEnv);
    if (!Number.isInteger(n) || n < 1) throw new Error(`LMFORGE_THREADS must be a positive integer, got '${threadsEnv}'`);
    (addon.setThreads as (n: number) => void)(n);
  }
  const warned = new Set<string>();
  const missing: string[] = [];
  const kernels: Record<string, unknown> = { name: 'native' };
  for (const key of Object.keys(js) as (keyof Kernels)[]) {
    if (key === 'name') continue;
    const impl = addon[key];
    if (typeof impl === 'function') kernels[key] = impl;
    else if (typeof js[key] === 'function') {
      missing.push(key);
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
  const getThreads = typeof addon.getThreads === 'function' ? addon.getThreads as () => number : () => 1;
  return { kernels: kernels as unknown as Kernels, simd, get threads() { return Number(getThreads()); }, missing, addon };
}
