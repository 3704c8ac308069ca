// Temporary folders for tests. `node --test` runs each test file in its own process, so every folder made
// here is removed when that process exits — after passing and failing tests alike (a process killed by a
// signal runs no exit hooks; nothing in the suite does that to its own process).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];
process.on('exit', () => {
  for (const d of made) {
    try {
      rmSync(d, { recursive: true, force: true });
    } catch {
      // best effort: a failed cleanup must not change the test process's exit status
    }
  }
});

/** A fresh folder under os.tmpdir(): `prefix` and six random characters (mkdtemp), removed when the test process exits. */
export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}
