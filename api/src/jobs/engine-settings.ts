// What every file of every job hands the engine, resolved once from the config (the boundary) and frozen.
import type { AppConfig } from '../config/config.ts';
import type { EngineOptions } from '../engine/index.ts';

export type EngineSettings = Readonly<Pick<EngineOptions, 'hubOrigin' | 'retries' | 'stallTimeoutMs' | 'outageTimeoutMs'> & { token: string | undefined }>;

export function engineSettings(config: AppConfig): EngineSettings {
  return Object.freeze({
    hubOrigin: new URL(config.hub.endpoint).origin,
    token: config.hub.token,
    retries: config.downloads.retries,
    stallTimeoutMs: config.downloads.stallTimeoutMs,
    outageTimeoutMs: config.downloads.outageTimeoutMs,
  });
}
