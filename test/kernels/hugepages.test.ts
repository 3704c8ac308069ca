// Large float32 tensors get huge-page advice on the native backend (csrc/threadpool.c lf_advise_huge, called by the
// tensor allocator for fresh buffers of 4 MiB and more): Linux shows an advised mapping in /proc/self/smaps with the
// 'hg' VmFlag (madvise splits the buffer's mapping, so the count of such mappings grows). The addon's
// adviseHugePages checks its argument like every kernel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { empty } from '../../src/tensor/tensor.js';
import { LARGE_BUFFER_BYTES } from '../../src/tensor/dtype.js';
import { currentBackend, setBackend } from '../../src/kernels/backend.js';
import { nativeSuite } from './parity_util.js';

/** Mappings of this process with huge-page advice (VmFlags 'hg'). */
function advisedMappings(): number {
  return (readFileSync('/proc/self/smaps', 'utf8').match(/^VmFlags:.*\bhg\b/gm) ?? []).length;
}

const thp = existsSync('/sys/kernel/mm/transparent_hugepage/enabled') ? readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8') : '';
const hasSmaps = existsSync('/proc/self/smaps') && /\[(always|madvise)\]/.test(thp);

/** every buffer made here stays referenced, so no advised mapping goes away while the counts are compared */
const keep: unknown[] = [];

nativeSuite('huge-page advice', (_nk, info) => {
  const advise = info.addon.adviseHugePages as (a: unknown) => boolean;

  test('adviseHugePages takes a Float32Array (true where transparent huge pages are on); other arguments throw naming it', () => {
    const a = new Float32Array(2 << 20), b = new Float32Array(2 << 20);
    keep.push(a, b);
    assert.equal(typeof advise(a), 'boolean');
    if (hasSmaps) assert.equal(advise(b), true);
    assert.equal(advise(new Float32Array(100)), false);   // no whole page inside a small buffer
    assert.throws(() => advise(new Float64Array(8)), /adviseHugePages: buf must be a Float32Array/);
    assert.throws(() => advise(42), /adviseHugePages: buf/);
  });

  test('the allocator advises fresh float32 buffers of 4 MiB and more on the native backend; not smaller ones, not on JS', { skip: hasSmaps ? false : 'no /proc/self/smaps or transparent huge pages off' }, () => {
    const before = currentBackend();
    try {
      setBackend('native');
      const n0 = advisedMappings();
      for (let i = 0; i < 4; i++) keep.push(empty([LARGE_BUFFER_BYTES / 4 + 1000 * i]).data);
      const n1 = advisedMappings();
      assert.ok(n1 >= n0 + 3, `advised mappings ${n0} -> ${n1} after 4 tensors of 4 MiB and more`);
      for (let i = 0; i < 4; i++) keep.push(empty([LARGE_BUFFER_BYTES / 4 - 1000 * (i + 1)]).data);
      const n2 = advisedMappings();
      assert.ok(n2 <= n1 + 1, `advised mappings ${n1} -> ${n2} after 4 tensors under 4 MiB`);
      setBackend('js');
      for (let i = 0; i < 4; i++) keep.push(empty([LARGE_BUFFER_BYTES / 4 + 1000 * i]).data);
      const n3 = advisedMappings();
      assert.ok(n3 <= n2 + 1, `advised mappings ${n2} -> ${n3} after 4 large tensors on the JS backend`);
    } finally {
      setBackend(before);
    }
  });

  test('the advice shows in /proc/self/smaps (VmFlags hg)', { skip: hasSmaps ? false : 'no /proc/self/smaps or transparent huge pages off' }, () => {
    const n0 = advisedMappings();
    for (let i = 0; i < 4; i++) { const a = new Float32Array(LARGE_BUFFER_BYTES / 4 + 4096 * i); advise(a); keep.push(a); }
    const n1 = advisedMappings();
    assert.ok(n1 >= n0 + 3, `advised mappings ${n0} -> ${n1} after advising 4 buffers`);
  });
});
