import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AppConfig } from '../config/config.ts';

/**
 * A random secret generated once and kept in DATA_DIR/<name> (mode 0600), for a setting left unset:
 * read back on every later start, so what it signs or seals stays valid across restarts.
 */
export async function secretInDataDir(dataDir: string, name: string, onCreated: (file: string) => void): Promise<string> {
  const file = path.join(dataDir, name);
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  await mkdir(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  onCreated(file);
  return secret;
}

// Config refuses to start without JWT_SECRET outside development. In development we keep a generated
// secret in DATA_DIR so `npm start` works on a fresh clone and sessions survive a restart.
export async function resolveJwtSecret(config: AppConfig, warn: (msg: string) => void): Promise<string> {
  if (config.auth.jwtSecret) return config.auth.jwtSecret;
  return secretInDataDir(config.dataDir, 'jwt-secret', (file) => warn(`JWT_SECRET is not set: using a generated development secret kept in ${file}`));
}
