import { NO_REPLICA, type ReplicaSnapshot, type RouteRequest, type Router } from "./router.js";

export interface ScorerWeights {
  outstanding_tokens: number;
  kv_load: number;
  prefix: number;
}

/**
 * Scores each replica by a weighted sum of load signals, llm-d style, and picks the lowest:
 * outstanding tokens relative to the busiest replica, KV-cache commitment, minus the share of the
 * prompt already cached there.
 */
export class WeightedRouter implements Router {
  constructor(private readonly weights: ScorerWeights) {}

  pick(request: RouteRequest, replicas: readonly ReplicaSnapshot[]): number {
    const n = replicas.length;
    if (n === 0) return NO_REPLICA;
    let maxTokens = 1;
    for (const r of replicas) maxTokens = Math.max(maxTokens, r.outstandingTokens);
    const prompt = request.promptTokens;
    const w = this.weights;
    let best = -1;
    let bestScore = Infinity;
    for (let i = 0; i < n; i++) {
      const r = replicas[i];
      const score = (w.outstanding_tokens * r.outstandingTokens) / maxTokens + w.kv_load * r.kvLoad - (w.prefix > 0 ? (w.prefix * r.cachedPrefixTokens) / prompt : 0);
      if (score < bestScore) {
        best = i;
        bestScore = score;
      }
    }
    return best;
  }
}
