// Fault knobs: latency, bandwidth caps and one-shot (or n-shot) failure rules.
import type { Socket } from 'node:net';
import type { ActiveOutage } from './outage.ts';
import { TokenBucket } from './token-bucket.ts';
import type { FaultControl, FaultRule, Faults, OutageSpec } from './types.ts';

interface ActiveRule extends FaultRule {
  remaining: number;
}

const KINDS = new Set<FaultRule['kind']>(['status', 'reset', 'truncate', 'stall']);

export class FaultState implements FaultControl {
  #bandwidthPerConn: number | undefined;
  #linkBandwidth: number | undefined;
  #latencyMs: number | undefined;
  #rules: ActiveRule[] = [];
  #link: TokenBucket | undefined;
  #conn = new WeakMap<Socket, TokenBucket>();
  #outage: ActiveOutage | undefined;
  #outageTimer: NodeJS.Timeout | undefined;
  /** told when an outage starts or ends (index.ts wires it to the servers' sockets) */
  onOutage: (outage: ActiveOutage | undefined) => void = () => {};

  set(faults: Faults): void {
    this.reset();
    this.update(faults);
  }

  update(faults: Faults): void {
    // JSON callers clear a knob with null
    const f = faults as Record<string, unknown>;
    if ('bandwidthPerConn' in f) this.#bandwidthPerConn = positiveOrUndefined(f.bandwidthPerConn, 'bandwidthPerConn');
    if ('linkBandwidth' in f) {
      this.#linkBandwidth = positiveOrUndefined(f.linkBandwidth, 'linkBandwidth');
      this.#link = this.#linkBandwidth ? new TokenBucket(this.#linkBandwidth) : undefined;
    }
    if ('latencyMs' in f) this.#latencyMs = positiveOrUndefined(f.latencyMs, 'latencyMs');
    if ('rules' in f) {
      const rules = f.rules;
      if (rules != null && !Array.isArray(rules)) throw new TypeError('faults.rules must be an array');
      this.#rules = [];
      for (const r of (rules ?? []) as FaultRule[]) this.addRule(r);
    }
    if ('outage' in f) {
      const o = f.outage as OutageSpec | null | undefined;
      if (o === null) this.#endOutage();
      else if (o !== undefined) this.#startOutage(o);
    }
  }

  #startOutage(o: OutageSpec): void {
    if (typeof o !== 'object' || typeof o.seconds !== 'number' || !(o.seconds > 0)) throw new TypeError('faults.outage.seconds must be a number > 0');
    const mode = o.mode ?? 'refuse';
    const server = o.server ?? 'both';
    if (!['refuse', 'drop', '503'].includes(mode)) throw new TypeError('faults.outage.mode must be refuse, drop or 503');
    if (!['hub', 'cdn', 'both'].includes(server)) throw new TypeError('faults.outage.server must be hub, cdn or both');
    clearTimeout(this.#outageTimer);
    this.#outage = { mode, server, until: Date.now() + o.seconds * 1000 };
    this.#outageTimer = setTimeout(() => this.#endOutage(), o.seconds * 1000);
    this.#outageTimer.unref();
    this.onOutage(this.#outage);
  }

  #endOutage(): void {
    clearTimeout(this.#outageTimer);
    this.#outageTimer = undefined;
    if (!this.#outage) return;
    this.#outage = undefined;
    this.onOutage(undefined);
  }

  /** The outage in force, if any. */
  get outage(): ActiveOutage | undefined {
    return this.#outage;
  }

  addRule(rule: FaultRule): void {
    if (!rule || !KINDS.has(rule.kind)) throw new TypeError(`fault rule kind must be one of ${[...KINDS].join(', ')}`);
    for (const k of ['count', 'status', 'retryAfter', 'afterBytes', 'stallMs'] as const) {
      const v = rule[k];
      if (v !== undefined && v !== null && (typeof v !== 'number' || !(v >= 0))) throw new TypeError(`fault rule ${k} must be a number >= 0`);
    }
    if (rule.match !== undefined && rule.match !== null && typeof rule.match !== 'string') throw new TypeError('fault rule match must be a string');
    const clean = Object.fromEntries(Object.entries(rule).filter(([, v]) => v !== undefined && v !== null)) as unknown as FaultRule;
    this.#rules.push({ ...clean, remaining: rule.count ?? 1 });
  }

  reset(): void {
    this.#bandwidthPerConn = undefined;
    this.#linkBandwidth = undefined;
    this.#latencyMs = undefined;
    this.#link = undefined;
    this.#rules = [];
    this.#endOutage();
  }

  get(): Faults {
    const out: Faults = {};
    if (this.#bandwidthPerConn) out.bandwidthPerConn = this.#bandwidthPerConn;
    if (this.#linkBandwidth) out.linkBandwidth = this.#linkBandwidth;
    if (this.#latencyMs) out.latencyMs = this.#latencyMs;
    out.rules = this.#rules.filter((r) => r.remaining > 0).map(({ remaining, ...rule }) => ({ ...rule, count: remaining }));
    const o = this.#outage;
    if (o) out.outage = { mode: o.mode, server: o.server, seconds: Math.max(0, Math.round((o.until - Date.now()) / 100) / 10) };
    return out;
  }

  get latencyMs(): number {
    return this.#latencyMs ?? 0;
  }

  /**
   * A 'status' rule for this request, consumed. Rules without `match` only target file body GETs;
   * rules with `match` target any request whose decoded path(+query) contains it.
   */
  takeStatus(matchText: string, isFileGet: boolean): FaultRule | undefined {
    return this.#take(['status'], matchText, isFileGet);
  }

  /** A reset/truncate/stall rule for a 2xx response body about to be sent, consumed. */
  takeBody(matchText: string, isFileBody: boolean): FaultRule | undefined {
    return this.#take(['reset', 'truncate', 'stall'], matchText, isFileBody);
  }

  #take(kinds: FaultRule['kind'][], matchText: string, isDefaultTarget: boolean): FaultRule | undefined {
    for (const rule of this.#rules) {
      if (rule.remaining <= 0 || !kinds.includes(rule.kind)) continue;
      const hit = rule.match ? matchText.includes(rule.match) : isDefaultTarget;
      if (!hit) continue;
      rule.remaining--;
      const { remaining, ...copy } = rule;
      return copy;
    }
    return undefined;
  }

  linkBucket(): TokenBucket | undefined {
    return this.#link;
  }

  /** Per-connection cap: one bucket per socket, so keep-alive requests on a connection share it. */
  connBucket(socket: Socket): TokenBucket | undefined {
    const rate = this.#bandwidthPerConn;
    if (!rate) return undefined;
    let bucket = this.#conn.get(socket);
    if (!bucket || bucket.rate !== rate) {
      bucket = new TokenBucket(rate);
      this.#conn.set(socket, bucket);
    }
    return bucket;
  }
}

function positiveOrUndefined(v: unknown, name: string): number | undefined {
  if (v === undefined || v === null || v === 0) return undefined;
  if (typeof v !== 'number' || !(v > 0)) throw new TypeError(`faults.${name} must be a positive number`);
  return v;
}
