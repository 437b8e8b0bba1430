// The hash thread on its own: a file written out of order is hashed in order, stops are prompt and
// leave the file alone, read errors come back as DownloadErrors, and a closed thread is replaced.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { open, rm, truncate } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { DownloadError } from '../../src/engine/errors.ts';
import { closeHashThread, ThreadedFrontierHasher } from '../../src/engine/hash-thread.ts';
import { RangeSet } from '../../src/engine/ranges.ts';
import { MiB, tempDir } from './helpers.ts';

const git = (b: Buffer) => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');

test('hashes a file written in scattered order, sha256 and git blob id', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'f.partial');
  const content = randomBytes(10 * MiB + 123);
  const fh = await open(file, 'w+');
  const written = new RangeSet();
  const hasher = new ThreadedFrontierHasher(file, written, content.length, true, 'f');
  // segments land back to front, as parallel connections may deliver them
  const seg = 3 * MiB;
  const starts = [];
  for (let s = 0; s < content.length; s += seg) starts.push(s);
  for (const s of starts.reverse()) {
    const e = Math.min(content.length, s + seg);
    await fh.write(content, s, e - s, s);
    written.add(s, e);
    hasher.wrote(s, [content.subarray(s, e)], e - s);
  }
  await fh.close();
  const d = await hasher.finish();
  assert.equal(d.sha256, createHash('sha256').update(content).digest('hex'));
  assert.equal(d.gitOid, git(content));
});

test('hashes several files at once on the one thread, each with its own bytes', async (t) => {
  const dir = await tempDir(t);
  const contents = [0, 1, 2, 3].map(() => randomBytes(9 * MiB + 7));
  const hashers = contents.map((c, i) => ({ c, file: path.join(dir, `${i}.partial`), written: new RangeSet() }));
  const handles = await Promise.all(hashers.map((h) => open(h.file, 'w+')));
  const threaded = hashers.map((h) => new ThreadedFrontierHasher(h.file, h.written, h.c.length, false, h.file));
  // interleave the writes of the four files, 1 MiB at a time, so their read-backs overlap
  for (let off = 0; off < contents[0]!.length; off += MiB) {
    await Promise.all(
      hashers.map(async (h, i) => {
        const end = Math.min(h.c.length, off + MiB);
        await handles[i]!.write(h.c, off, end - off, off);
        h.written.add(off, end);
        threaded[i]!.wrote(off, [h.c.subarray(off, end)], end - off);
      }),
    );
  }
  await Promise.all(handles.map((fh) => fh.close()));
  const digests = await Promise.all(threaded.map((x) => x.finish()));
  for (const [i, d] of digests.entries()) assert.equal(d.sha256, createHash('sha256').update(contents[i]!).digest('hex'), `file ${i}`);
});

test('a stop lets go of the file at once, and a canceled finish says so', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'g.partial');
  const content = randomBytes(4 * MiB);
  const fh = await open(file, 'w+');
  await fh.write(content, 0, 2 * MiB, 0);
  await fh.close();
  const written = new RangeSet([[0, 2 * MiB]]);
  const hasher = new ThreadedFrontierHasher(file, written, content.length, false, 'g');
  hasher.catchUp();
  const ac = new AbortController();
  const finishing = hasher.finish(ac.signal);
  ac.abort();
  await assert.rejects(finishing, (e: unknown) => e instanceof DownloadError && e.code === 'Canceled');
  await hasher.stop(); // already stopped: resolves, does not hang
  // the thread no longer holds the file: it can be truncated and removed
  await truncate(file, 0);
  await rm(file);
});

test('a file that is shorter than what was announced fails the hash, not the process', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'h.partial');
  const fh = await open(file, 'w+');
  await fh.write(randomBytes(MiB), 0, MiB, 0);
  await fh.close();
  // the written set claims 2 MiB, but only 1 MiB is on disk
  const hasher = new ThreadedFrontierHasher(file, new RangeSet([[0, 2 * MiB]]), 2 * MiB, false, 'h');
  await assert.rejects(hasher.finish(), (e: unknown) => e instanceof DownloadError && e.code === 'IOError' && /unexpected end of file/.test(e.message));
  const missing = new ThreadedFrontierHasher(path.join(dir, 'nope'), new RangeSet([[0, 10]]), 10, false, 'nope');
  await assert.rejects(missing.finish(), (e: unknown) => e instanceof DownloadError && /ENOENT|no such file/.test(e.message));
});

test('after closeHashThread, a new hasher starts a new thread; a hasher whose thread is closed fails cleanly', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'i.partial');
  const content = randomBytes(MiB);
  const fh = await open(file, 'w+');
  await fh.write(content, 0, content.length, 0);
  await fh.close();
  const orphan = new ThreadedFrontierHasher(file, new RangeSet(), content.length, false, 'orphan');
  await closeHashThread();
  await assert.rejects(orphan.finish(), (e: unknown) => e instanceof DownloadError);
  const again = new ThreadedFrontierHasher(file, new RangeSet([[0, content.length]]), content.length, false, 'i');
  assert.equal((await again.finish()).sha256, createHash('sha256').update(content).digest('hex'));
});
