// Debian's nginx serving the same files as the mirror, for bench/mirror.ts: file bytes straight from the
// revision folders (sendfile, as Debian ships it), with the X-Repo-Commit hf needs; the small API
// answers (repo info, tree) passed through to the mirror, so `hf download` runs against it unchanged.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

export interface NginxRepo {
  /** "bench/one-4g" */
  id: string;
  commit: string;
  /** the revision folder the catalog records */
  dir: string;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

export async function startNginx(prefix: string, apiUrl: string, repos: NginxRepo[]): Promise<{ url: string; close(): Promise<void> }> {
  await mkdir(path.join(prefix, 'tmp'), { recursive: true });
  const port = await freePort();
  const locations = repos
    .map(
      (r) => `    location ~ ^/${r.id}/resolve/[^/]+/(.+)$ {
      alias ${r.dir}/$1;
      add_header X-Repo-Commit ${r.commit} always;
    }`,
    )
    .join('\n');
  const conf = `${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes auto;
daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 1024; }
http {
  sendfile on;
  tcp_nopush on;
  access_log off;
  default_type application/octet-stream;
  client_body_temp_path ${prefix}/tmp/body;
  proxy_temp_path ${prefix}/tmp/proxy;
  fastcgi_temp_path ${prefix}/tmp/fastcgi;
  uwsgi_temp_path ${prefix}/tmp/uwsgi;
  scgi_temp_path ${prefix}/tmp/scgi;
  server {
    listen 127.0.0.1:${port};
${locations}
    location /api/ { proxy_pass ${apiUrl}/mirror/api/; }
  }
}
`;
  const file = path.join(prefix, 'nginx.conf');
  await writeFile(file, conf);
  const child: ChildProcess = spawn('nginx', ['-p', prefix, '-c', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  process.once('exit', () => child.exitCode === null && child.kill('SIGQUIT'));
  let err = '';
  child.stderr?.on('data', (d) => (err += d));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${err}`);
    const ok = await fetch(`${url}/nothing`).then(
      () => true,
      () => false,
    );
    if (ok) break;
    if (i > 100) throw new Error(`nginx did not answer: ${err}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGQUIT');
      }),
  };
}
