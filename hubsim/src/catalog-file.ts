import { readFile } from 'node:fs/promises';
import { defaultCatalog } from './default-catalog.ts';
import type { CatalogConfig } from './types.ts';

/** Reads a JSON catalog; with `"extendsDefault": true` its tokens and repos are added to (or replace) the default ones. */
export async function loadCatalogFile(file: string): Promise<CatalogConfig> {
  const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<CatalogConfig>;
  if (!Array.isArray(parsed.repos)) throw new Error(`${file}: "repos" must be an array`);
  const tokens = parsed.tokens ?? {};
  if (!parsed.extendsDefault) return { tokens, repos: parsed.repos };
  const key = (r: { id: string; type?: string }) => `${r.type ?? 'model'}:${r.id}`;
  const own = new Set(parsed.repos.map(key));
  return {
    tokens: { ...defaultCatalog.tokens, ...tokens },
    repos: [...defaultCatalog.repos.filter((r) => !own.has(key(r))), ...parsed.repos],
  };
}
