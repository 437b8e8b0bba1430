// Platform-free part of token storage (no react-native imports), so the API client also runs in Node.

/** Where the session lives: the server's base URL and the token pair. */
export interface KeyValueStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  remove(key: string): Promise<void>;
}

export const KEYS = {
  baseUrl: 'd011dl.baseUrl',
  token: 'd011dl.token',
  refreshToken: 'd011dl.refreshToken',
  /** JSON array of download ids started from this device, to notify about when they finish */
  watchedJobs: 'd011dl.watchedJobs',
} as const;

export function memoryStore(initial: Record<string, string> = {}): KeyValueStore & { data: Map<string, string> } {
  const data = new Map(Object.entries(initial));
  return {
    data,
    get: async (k) => data.get(k) ?? null,
    set: async (k, v) => void data.set(k, v),
    remove: async (k) => void data.delete(k),
  };
}
