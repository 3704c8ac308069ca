// A loopback HTTP server shaped like the Hugging Face hub, for the `pull` tests (no network beyond 127.0.0.1):
//   GET  /api/models/OWNER/NAME/revision/REV         -> { id, sha, siblings: [{ rfilename }] }
//   HEAD|GET /OWNER/NAME/resolve/REV/FILE            -> small files: 200 with ETag = git blob sha1;
//        LFS files (*.safetensors): 302 to /cdn/SHA256 with X-Linked-Etag (sha256) and X-Linked-Size
//   HEAD|GET /cdn/SHA256                             -> the bytes, with Range support (206 + Content-Range)
//   (optionally) small files through a same-host 307 to /api/resolve-cache/models/OWNER/NAME/SHA/FILE
// Test knobs: cut the connection after N bytes of a file's first GET; serve corrupted bytes for a file.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export interface FakeRepo { sha: string; files: Record<string, Uint8Array> }
export interface FakeHub {
  url: string;
  /** Every request: method, path, Range header. */
  log: { method: string; path: string; range: string | null }[];
  /** Cut the connection after `afterBytes` bytes the next `times` times FILE's bytes are fetched. */
  interrupt: Map<string, { afterBytes: number; times: number }>;
  /** Files whose bytes are served with one byte flipped (the announced sha256 stays the true one). */
  corrupt: Set<string>;
  /** Serve small files through a same-host 307 to /api/resolve-cache/... (as the hub does today). */
  redirectSmall: { on: boolean };
  close(): Promise<void>;
}

const isLfs = (f: string): boolean => f.endsWith('.safetensors') || f.endsWith('.gguf');
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const gitSha1 = (b: Uint8Array): string => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');

export async function startFakeHub(repos: Record<string, FakeRepo>): Promise<FakeHub> {
  const log: FakeHub['log'] = [];
  const interrupt = new Map<string, { afterBytes: number; times: number }>();
  const corrupt = new Set<string>();
  const redirectSmall = { on: false };
  const byHash = new Map<string, { repo: string; file: string; bytes: Uint8Array }>();
  for (const [repo, r] of Object.entries(repos)) for (const [file, bytes] of Object.entries(r.files)) if (isLfs(file)) byHash.set(sha256(bytes), { repo, file, bytes });

  function serveBytes(req: IncomingMessage, res: ServerResponse, file: string, bytes: Uint8Array, etag: string, extra: Record<string, string>): void {
    let body = Buffer.from(bytes);
    if (corrupt.has(file)) { body = Buffer.from(body); body[body.length >> 1] ^= 0xff; }
    const headers: Record<string, string> = { 'Accept-Ranges': 'bytes', ETag: `"${etag}"`, ...extra };
    const range = req.headers.range;
    let start = 0, status = 200;
    if (range) {
      const m = /^bytes=(\d+)-$/.exec(range);
      if (!m || Number(m[1]) > body.length) { res.writeHead(416, { 'Content-Range': `bytes */${body.length}` }); res.end(); return; }
      start = Number(m[1]);
      status = 206;
      headers['Content-Range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
    }
    headers['Content-Length'] = String(body.length - start);
    res.writeHead(status, headers);
    if (req.method === 'HEAD') { res.end(); return; }
    const cut = interrupt.get(file);
    if (cut && cut.times > 0 && !range) {
      cut.times--;
      res.write(body.subarray(0, cut.afterBytes), () => res.destroy());
      return;
    }
    res.end(body.subarray(start));
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(url.pathname);
    log.push({ method: req.method ?? '', path, range: req.headers.range ?? null });
    let m = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/(.+)$/.exec(path);
    if (m && req.method === 'GET') {
      const r = repos[m[1]!];
      if (!r || (m[2] !== 'main' && m[2] !== r.sha)) { res.writeHead(404, { 'Content-Type': 'application/json' }); res.end('{"error":"Repository not found"}'); return; }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ id: m[1], sha: r.sha, siblings: Object.keys(r.files).map((rfilename) => ({ rfilename })) }));
      return;
    }
    m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    if (m) {
      const r = repos[m[1]!], file = m[3]!;
      const bytes = r && (m[2] === 'main' || m[2] === r.sha) ? r.files[file] : undefined;
      if (!r || !bytes) { res.writeHead(404); res.end('Entry not found'); return; }
      if (isLfs(file)) {
        const h = sha256(bytes);
        res.writeHead(302, { Location: `/cdn/${h}`, 'X-Linked-Etag': `"${h}"`, 'X-Linked-Size': String(bytes.length), 'X-Repo-Commit': r.sha, ETag: `"${gitSha1(Buffer.from(`oid sha256:${h}`))}"` });
        res.end();
        return;
      }
      if (redirectSmall.on) {
        res.writeHead(307, { Location: `/api/resolve-cache/models/${m[1]}/${r.sha}/${encodeURIComponent(file)}`, 'X-Repo-Commit': r.sha });
        res.end();
        return;
      }
      serveBytes(req, res, file, bytes, gitSha1(bytes), { 'X-Repo-Commit': r.sha });
      return;
    }
    m = /^\/api\/resolve-cache\/models\/([^/]+\/[^/]+)\/([^/]+)\/(.+)$/.exec(path);
    if (m && repos[m[1]!]?.files[m[3]!]) {
      const bytes = repos[m[1]!]!.files[m[3]!]!;
      serveBytes(req, res, m[3]!, bytes, gitSha1(bytes), { 'X-Repo-Commit': m[2]! });
      return;
    }
    m = /^\/cdn\/([0-9a-f]{64})$/.exec(path);
    if (m && byHash.has(m[1]!)) {
      const { file, bytes } = byHash.get(m[1]!)!;
      serveBytes(req, res, file, bytes, m[1]!, {});
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`, log, interrupt, corrupt, redirectSmall,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
