import { NO_REPLICA, type ReplicaSnapshot, type RouteRequest, type Router } from "./router.js";

/**
 * Prefix affinity, bounded by load: among replicas whose outstanding tokens are within `slack` of
 * the least loaded, the one holding the longest cached prefix of the prompt; ties, and requests no
 * replica has cached, go to the least loaded. Sending a prompt to where its prefix is cached saves
 * its prefill; the bound keeps one popular prefix from piling all traffic on one replica.
 */
export class PrefixAffinityRouter implements Router {
  constructor(private readonly slack: number) {}

  pick(_request: RouteRequest, replicas: readonly ReplicaSnapshot[]): number {
    const n = replicas.length;
    if (n === 0) return NO_REPLICA;
    let minLoad = Infinity;
    for (const r of replicas) minLoad = Math.min(minLoad, r.outstandingTokens);
    const bound = minLoad * (1 + this.slack);
    let best = -1;
    let bestMatch = -1;
    let bestLoad = Infinity;
    for (let i = 0; i < n; i++) {
      const replica = replicas[i];
      const load = replica.outstandingTokens;
      if (load > bound) continue;
      const match = replica.cachedPrefixTokens;
      if (match > bestMatch || (match === bestMatch && load < bestLoad)) {
        best = i;
        bestMatch = match;
        bestLoad = load;
      }
    }
    return best;
  }
}
