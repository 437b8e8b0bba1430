import type { RequestRecord, SimStats } from './types.ts';

// benchmarks can make millions of requests: keep the newest, count bytes separately
const MAX_RECORDS = 200_000;

export class StatsCollector implements SimStats {
  readonly requests: RequestRecord[] = [];
  #bytes = 0;

  bytesServed(): number {
    return this.#bytes;
  }

  reset(): void {
    this.requests.length = 0;
    this.#bytes = 0;
  }

  add(record: RequestRecord): void {
    if (this.requests.length >= MAX_RECORDS) this.requests.splice(0, MAX_RECORDS / 2);
    this.requests.push(record);
    this.#bytes += record.bytes;
  }
}
