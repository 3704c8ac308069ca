// Atomic file writes: write a temp file in the target's folder, fsync it, rename it over the target,
// fsync the folder. A crash or kill at any point leaves either the old file or the new one, never a mix
// (POSIX rename is atomic within a file system). Used for every checkpoint, config and tokenizer write.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

/** A file being written; invisible at its final path until `commit()`. */
export interface AtomicWriter {
  /** The final path. */
  readonly path: string;
  /** The temp file the bytes go to until commit. */
  readonly tempPath: string;
  /** Bytes written so far. */
  readonly bytesWritten: number;
  /** Append bytes (a string is written as UTF-8). */
  write(chunk: Uint8Array | string): void;
  /** fsync, rename over `path`, fsync the folder. After this the writer is closed. */
  commit(): void;
  /** Close and delete the temp file; the target is untouched. Safe to call twice or after a failure. */
  abort(): void;
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch (e) {
    // Some platforms (Windows) and file systems refuse to open or fsync a directory: nothing more we can do.
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EACCES' && code !== 'ENOTSUP') throw e;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function withPath(e: unknown, what: string, file: string): Error {
  const msg = e instanceof Error ? e.message : String(e);
  const err = new Error(`${what} ${file}: ${msg}`);
  (err as Error & { cause?: unknown }).cause = e;
  return err;
}

/**
 * Start an atomic write to `file`. Bytes go to a temp file beside it; `commit()` makes them visible.
 * @example
 * const w = openAtomic('ckpt/model.safetensors');
 * try { w.write(header); w.write(data); w.commit(); } catch (e) { w.abort(); throw e; }
 */
export function openAtomic(file: string): AtomicWriter {
  const target = path.resolve(file);
  const dir = path.dirname(target);
  const tempPath = path.join(dir, `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  let mode = 0o666;
  try {
    mode = fs.statSync(target).mode & 0o7777; // keep the permissions of the file we replace
  } catch { /* new file: default mode under the umask */ }
  let fd: number;
  try {
    fd = fs.openSync(tempPath, 'wx', mode);
  } catch (e) {
    throw withPath(e, 'openAtomic: cannot create a temp file for', target);
  }
  let open = true;
  let done = false;
  let written = 0;

  const closeQuietly = (): void => {
    if (!open) return;
    open = false;
    try { fs.closeSync(fd); } catch { /* already failed */ }
  };
  const writer: AtomicWriter = {
    path: target,
    tempPath,
    get bytesWritten() { return written; },
    write(chunk) {
      if (done) throw new Error(`AtomicWriter.write: ${target} was already committed or aborted`);
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      let off = 0;
      try {
        // at most 1 GiB per call: Node refuses longer single writes
        while (off < bytes.byteLength) off += fs.writeSync(fd, bytes, off, Math.min(bytes.byteLength - off, 1 << 30));
      } catch (e) {
        writer.abort();
        throw withPath(e, `AtomicWriter.write: writing byte ${written + off} of`, target);
      }
      written += bytes.byteLength;
    },
    commit() {
      if (done) throw new Error(`AtomicWriter.commit: ${target} was already committed or aborted`);
      try {
        fs.fsyncSync(fd);
        open = false;
        fs.closeSync(fd);
        fs.renameSync(tempPath, target);
      } catch (e) {
        writer.abort();
        throw withPath(e, 'AtomicWriter.commit: cannot replace', target);
      }
      done = true;
      fsyncDir(dir);
    },
    abort() {
      if (done) return;
      done = true;
      closeQuietly();
      try { fs.unlinkSync(tempPath); } catch { /* never created or already gone */ }
    },
  };
  return writer;
}

/**
 * Write a whole file atomically (temp file, fsync, rename, fsync folder). Strings are written as UTF-8.
 * @example writeFileAtomic('run/config.json', JSON.stringify(cfg, null, 2))
 */
export function writeFileAtomic(file: string, data: Uint8Array | string): void {
  const w = openAtomic(file);
  try {
    w.write(data);
    w.commit();
  } catch (e) {
    w.abort();
    throw e;
  }
}
