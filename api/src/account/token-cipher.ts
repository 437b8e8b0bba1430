// Users' Hugging Face tokens sealed at rest: AES-256-GCM under a key derived (HKDF-SHA256) from the
// server's DATA_KEY, or from a key generated once in DATA_DIR (auth/jwt-secret.ts keeps it the same way).
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import type { AppConfig } from '../config/config.ts';
import { secretInDataDir } from '../auth/jwt-secret.ts';

/** The sealed format: 1 = AES-256-GCM, 12-byte IV, 16-byte tag, key from HKDF-SHA256(DATA_KEY). */
export const KEY_VERSION = 1;

export interface SealedToken {
  ciphertext: Buffer;
  iv: Buffer;
  authTag: Buffer;
  keyVersion: number;
  /** a fingerprint of the key that sealed it (not the key) */
  keyId: string;
}

/** Why a sealed token cannot be opened; never carries the token or the key. */
export class TokenUnreadable extends Error {}

export class TokenCipher {
  readonly keyId: string;
  readonly #key: Buffer;

  constructor(secret: string) {
    this.#key = Buffer.from(hkdfSync('sha256', secret, 'd011dl', 'hf-token/v1', 32));
    this.keyId = createHash('sha256').update(this.#key).update('key-id').digest('hex').slice(0, 16);
  }

  /** `owner` (the user id) is bound in as associated data: a row copied to another user does not open. */
  seal(token: string, owner: string): SealedToken {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(owner, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
    return { ciphertext, iv, authTag: cipher.getAuthTag(), keyVersion: KEY_VERSION, keyId: this.keyId };
  }

  open(sealed: SealedToken, owner: string): string {
    if (sealed.keyVersion !== KEY_VERSION) throw new TokenUnreadable(`it was saved in a format this version does not know (${sealed.keyVersion})`);
    if (sealed.keyId !== this.keyId)
      throw new TokenUnreadable("it was encrypted with another server key (DATA_KEY changed, or DATA_DIR's data-key was replaced)");
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, sealed.iv);
      decipher.setAAD(Buffer.from(owner, 'utf8'));
      decipher.setAuthTag(sealed.authTag);
      return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString('utf8');
    } catch {
      throw new TokenUnreadable('its encrypted form is damaged');
    }
  }
}

const TEXT_PREFIX = `sealed.v${KEY_VERSION}.`;

/** A secret as one line of text for a text column: "sealed.v1.<key id>.<iv>.<tag>.<ciphertext>" (base64url). */
export function sealText(cipher: TokenCipher, text: string, owner: string): string {
  const s = cipher.seal(text, owner);
  return `${TEXT_PREFIX}${s.keyId}.${[s.iv, s.authTag, s.ciphertext].map((b) => b.toString('base64url')).join('.')}`;
}

export function openText(cipher: TokenCipher, sealed: string, owner: string): string {
  const parts = sealed.startsWith(TEXT_PREFIX) ? sealed.slice(TEXT_PREFIX.length).split('.') : [];
  if (parts.length !== 4) throw new TokenUnreadable('it is not in the sealed format');
  const [keyId, iv, authTag, ciphertext] = parts as [string, string, string, string];
  const b = (x: string) => Buffer.from(x, 'base64url');
  return cipher.open({ keyId, iv: b(iv), authTag: b(authTag), ciphertext: b(ciphertext), keyVersion: KEY_VERSION }, owner);
}

/** DATA_KEY, or the key generated in DATA_DIR when it is unset. */
export async function openTokenCipher(config: AppConfig, warn: (msg: string) => void): Promise<TokenCipher> {
  const secret =
    config.dataKey ??
    (await secretInDataDir(config.dataDir, 'data-key', (file) =>
      warn(
        `DATA_KEY is not set: users' Hugging Face tokens and webhook secrets are encrypted with a generated key kept in ${file}; keep it with backups of the database`,
      ),
    ));
  return new TokenCipher(secret);
}
