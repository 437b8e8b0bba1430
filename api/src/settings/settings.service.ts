import {
  RuntimeSettingsSchema,
  SETTING_ENV_NAMES,
  SETTING_KEYS,
  type RuntimeSettings,
  type SettingKey,
  type SettingSource,
  type SettingsResponse,
  type SettingsUpdate,
} from '@d011dl/contract';
import type { AuditActor, AuditService } from '../audit/audit.service.ts';
import type { AppConfig } from '../config/config.ts';
import { withTransaction, type Db } from '../db/pool.ts';
import { settingsRepository as repo } from './settings.repository.ts';

export function settingsFromConfig(config: AppConfig): RuntimeSettings {
  return {
    job_concurrency: config.downloads.jobConcurrency,
    download_concurrency: config.downloads.fileConcurrency,
    segment_connections: config.downloads.segmentConnections,
    disk_reserve_mb: Math.round(config.downloads.diskReserveBytes / 1024 / 1024),
    bandwidth_limit_bps: config.bandwidth.limitBps,
    bandwidth_schedule: config.bandwidth.schedule,
    update_check_interval_h: config.updateCheckIntervalH,
    allow_registration: config.auth.allowRegistration,
    mirror_enabled: config.mirror.enabled,
    mirror_anonymous: config.mirror.anonymous,
    mirror_pull_through: config.mirror.pullThrough,
  };
}

/** The disk reserve as bytes (the setting is in MiB, as DISK_RESERVE_MB). */
export const reserveBytesOf = (s: RuntimeSettings): number => s.disk_reserve_mb * 1024 * 1024;

/** What most parts need: the values as they are now. */
export type SettingsReader = Pick<SettingsService, 'current'>;

export type SettingsListener = (next: RuntimeSettings, previous: RuntimeSettings) => void;

/**
 * The run-time settings: the environment's values, overridden by what an administrator saved (stored in
 * PostgreSQL, so they survive a restart). Parts of the app read current() when they need a value, or
 * subscribe with onChange() to apply a change to work already running.
 */
export class SettingsService {
  readonly #db: Db;
  readonly #defaults: RuntimeSettings;
  readonly #envSet: ReadonlySet<string>;
  readonly #audit: AuditService;
  readonly #listeners = new Set<SettingsListener>();
  #stored = new Map<SettingKey, unknown>();
  #current: RuntimeSettings;
  #reloading: Promise<void> = Promise.resolve();
  #log: { warn(msg: string): void } | undefined;

  private constructor(deps: { db: Db; config: AppConfig; audit: AuditService }) {
    this.#db = deps.db;
    this.#defaults = settingsFromConfig(deps.config);
    this.#envSet = deps.config.envSet;
    this.#audit = deps.audit;
    this.#current = this.#defaults;
  }

  static async open(deps: { db: Db; config: AppConfig; audit: AuditService; log: { warn(msg: string): void } }): Promise<SettingsService> {
    const s = new SettingsService(deps);
    s.#log = deps.log;
    await s.reload(deps.log);
    return s;
  }

  current(): RuntimeSettings {
    return this.#current;
  }

  view(): SettingsResponse {
    const sources = Object.fromEntries(SETTING_KEYS.map((k) => [k, this.#source(k)])) as Record<SettingKey, SettingSource>;
    return { settings: this.#current, sources, defaults: this.#defaults };
  }

  onChange(listener: SettingsListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Saves a change (null: back to the environment's value), records it in the audit log, applies it. */
  async update(actor: AuditActor, change: SettingsUpdate, ip: string | null): Promise<SettingsResponse> {
    const changed: Record<string, { from: unknown; to: unknown }> = {};
    await withTransaction(this.#db, async (tx) => {
      await repo.lock(tx);
      for (const key of SETTING_KEYS) {
        const value = change[key];
        if (value === undefined) continue;
        const before = this.#current[key];
        if (value === null) await repo.remove(tx, key);
        else await repo.set(tx, key, value, actor.sub);
        const after = value ?? this.#defaults[key];
        if (JSON.stringify(before) !== JSON.stringify(after)) changed[key] = { from: before, to: after };
      }
      if (Object.keys(changed).length)
        await this.#audit.record(tx, { actor, action: 'settings.update', target: Object.keys(changed).join(', '), details: changed, ip });
      // even a value saved unchanged moves its source to "set here": the other instances show that too
      await repo.notifyChanged(tx);
    });
    await this.reload();
    return this.view();
  }

  /** Reads the stored values again (at start, after a change); a stored value no longer valid is ignored. */
  reload(log?: { warn(msg: string): void }): Promise<void> {
    // one at a time, so that an older read (a notification's) never lands after a newer one (a save's)
    const next = this.#reloading.then(() => this.#read(log));
    this.#reloading = next.catch(() => {});
    return next;
  }

  async #read(log?: { warn(msg: string): void }): Promise<void> {
    const rows = await repo.all(this.#db);
    const stored = new Map<SettingKey, unknown>();
    const merged: Record<string, unknown> = { ...this.#defaults };
    for (const [key, value] of rows) {
      if (!(SETTING_KEYS as string[]).includes(key)) continue;
      const ok = RuntimeSettingsSchema.shape[key as SettingKey].safeParse(value);
      if (!ok.success) {
        log?.warn(`settings: the saved value of ${key} is no longer valid; using ${SETTING_ENV_NAMES[key as SettingKey]} instead`);
        continue;
      }
      stored.set(key as SettingKey, ok.data);
      merged[key] = ok.data;
    }
    const previous = this.#current;
    this.#stored = stored;
    this.#current = RuntimeSettingsSchema.parse(merged);
    if (JSON.stringify(previous) === JSON.stringify(this.#current)) return;
    for (const l of this.#listeners) {
      // a part failing to apply a change must not undo the save, nor keep the others from applying it
      try {
        l(this.#current, previous);
      } catch (err) {
        (log ?? this.#log)?.warn(`settings: applying the change failed: ${(err as Error).message}`);
      }
    }
  }

  #source(key: SettingKey): SettingSource {
    if (this.#stored.has(key)) return 'portal';
    return this.#envSet.has(SETTING_ENV_NAMES[key]) ? 'environment' : 'default';
  }
}
