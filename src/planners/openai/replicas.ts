// Several replicas of one model (vLLM servers behind no balancer): spreads calls across them, skips the ones that fail.
import type OpenAI from 'openai';

export interface Endpoint {
  baseUrl: string;
  client: OpenAI;
}

/**
 * Candidate k of a request goes to replica (offset + k) mod n, so K concurrent candidates land on K different servers
 * and sessions with different offsets start on different ones. A replica that fails is marked down for the life of
 * the pool (one session) and skipped; the last one standing is never marked down, it is retried with backoff.
 */
export class ReplicaPool {
  private readonly down = new Set<number>();

  constructor(
    readonly endpoints: readonly Endpoint[],
    private readonly offset = 0,
  ) {
    if (endpoints.length === 0) throw new Error('ReplicaPool needs at least one endpoint');
  }

  /** The replica for candidate `k`: its own when up, else the next one up. */
  pick(k = 0): number {
    const n = this.endpoints.length;
    const start = (((this.offset + k) % n) + n) % n;
    for (let i = 0; i < n; i++) {
      const r = (start + i) % n;
      if (!this.down.has(r)) return r;
    }
    return start;
  }

  /** Marks `r` down when another replica is up, and returns that one; null when `r` is the last one up. */
  failover(r: number): number | null {
    const n = this.endpoints.length;
    for (let i = 1; i < n; i++) {
      const other = (r + i) % n;
      if (!this.down.has(other)) {
        this.down.add(r);
        return other;
      }
    }
    return null;
  }

  isDown(r: number): boolean {
    return this.down.has(r);
  }

  endpoint(r: number): Endpoint {
    return this.endpoints[r]!;
  }
}
