import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AppConfig } from '../config/config.ts';

// Config refuses to start without JWT_SECRET outside development. In development we keep a generated
// secret in DATA_DIR so `npm start` works on a fresh clone and sessions survive a restart.
export async function resolveJwtSecret(config: AppConfig, warn: (msg: string) => void): Promise<string> {
  if (config.auth.jwtSecret) return config.auth.jwtSecret;
  const file = path.join(config.dataDir, 'jwt-secret');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  await mkdir(config.dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  warn(`JWT_SECRET is not set: using a generated development secret kept in ${file}`);
  return secret;
}
