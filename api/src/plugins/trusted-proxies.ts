// Which peers may tell the API the client's address (X-Forwarded-For). Besides what Fastify takes
// (addresses, CIDRs, loopback/linklocal/uniquelocal), TRUST_PROXY may name hosts: in Docker the portal
// is `web` on modelnet, whose address changes with every container start and is unknown when the API
// starts (the portal waits for the API to be healthy). Names are looked up now and again every few
// seconds; the trust check itself must stay synchronous.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import proxyAddr from '@fastify/proxy-addr';

const KEYWORDS = new Set(['loopback', 'linklocal', 'uniquelocal']);
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const REFRESH_MS = 10_000;

export type TrustEntryKind = 'address' | 'name';

/** How a TRUST_PROXY entry is read, or null when it is none of: keyword, IP, CIDR, host name. */
export function trustEntryKind(entry: string): TrustEntryKind | null {
  if (KEYWORDS.has(entry)) return 'address';
  const [addr, bits, ...rest] = entry.split('/');
  if (rest.length === 0 && addr !== undefined && isIP(addr)) {
    if (bits === undefined) return 'address';
    const max = isIP(addr) === 4 ? 32 : 128;
    return /^\d{1,3}$/.test(bits) && Number(bits) <= max ? 'address' : null;
  }
  return bits === undefined && HOSTNAME.test(entry) && !/^[\d.]+$/.test(entry) ? 'name' : null;
}

export type TrustFn = (address: string, hop: number) => boolean;
type Lookup = (name: string) => Promise<string[]>;

const lookupAll: Lookup = async (name) => (await lookup(name, { all: true })).map((a) => a.address);

export class TrustedProxies {
  readonly #fixed: string[];
  readonly #names: string[];
  readonly #lookup: Lookup;
  #resolved = new Map<string, string[]>();
  #check: TrustFn;
  #timer: NodeJS.Timeout | undefined;

  constructor(entries: string[], lookupFn: Lookup = lookupAll) {
    const kinds = entries.map((e) => [e, trustEntryKind(e)] as const);
    this.#fixed = kinds.filter(([, k]) => k === 'address').map(([e]) => e);
    this.#names = kinds.filter(([, k]) => k === 'name').map(([e]) => e);
    this.#lookup = lookupFn;
    this.#check = proxyAddr.compile(this.#fixed);
  }

  /** For Fastify's `trustProxy`. */
  readonly trust: TrustFn = (address, hop) => this.#check(address, hop);

  /** Looks the names up once; a name that does not resolve (yet) keeps what it resolved to before. */
  async refresh(): Promise<void> {
    if (this.#names.length === 0) return;
    await Promise.all(
      this.#names.map(async (name) => {
        try {
          this.#resolved.set(name, await this.#lookup(name));
        } catch {
          // e.g. the portal container is not up yet: try again at the next refresh
        }
      }),
    );
    this.#check = proxyAddr.compile([...this.#fixed, ...[...this.#resolved.values()].flat()]);
  }

  /** Looks the names up again every few seconds (after a first refresh()). */
  start(): void {
    if (this.#names.length === 0 || this.#timer) return;
    this.#timer = setInterval(() => void this.refresh(), REFRESH_MS);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
