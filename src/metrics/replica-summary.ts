/**
 * What an LLM replica reports of itself over the measurement window: the shape report.json's
 * `replicas_detail` shows (the report formats summaries, never replicas), and how the summaries of a
 * pipelined replica's lanes combine into one. Replicas fill it in (inference/replica-stats.ts); like
 * level.ts, this imports nothing.
 */
/** One LLM replica over the measurement window (report.json's `replicas_detail`, less where it runs). */
export interface ReplicaSummary {
  /** share of the window it spent running iterations (the "GPU utilisation" autoscalers use) */
  busy_fraction: number;
  /** running sequences per iteration, averaged over busy time */
  mean_batch_size: number;
  /** KV blocks in use, averaged over busy time, as a share of capacity */
  mean_kv_utilization: number;
  tokens_per_s: number;
  output_tokens_per_s: number;
  /** model FLOPs over the GPUs' peak for the precision, over the window */
  compute_utilization: number;
  /** bytes of weights and KV cache streamed over the GPUs' memory bandwidth, over the window */
  bandwidth_utilization: number;
  preemptions: number;
  prefix_cache_hits: number;
  prefix_cache_evictions: number;
  /** with KV offload: prefix units read back from the replica's host memory, and from its region's store (whole run, like the hits above) */
  prefix_cache_host_hits?: number;
  prefix_cache_store_hits?: number;
  /** with speculative decoding: whole verify steps (runs not cut by the output's end) started in the window, the tokens they emitted, the draft tokens proposed and accepted */
  speculative?: { steps: number; tokens: number; proposed: number; accepted: number };
  /** requests at the replica (queued or running), time-averaged: Little's law holds per replica */
  mean_outstanding: number;
  completed: number;
  mean_residence_s: number | null;
}

/** A pipelined replica's lanes as one replica: counts and rates add up; shares are averaged over the lanes (busy time for per-iteration ones). */
export function combineLanes(parts: readonly ReplicaSummary[]): ReplicaSummary {
  const total = (key: keyof ReplicaSummary) => parts.reduce((s, p) => s + ((p[key] as number | null) ?? 0), 0);
  const busy = total("busy_fraction");
  const byBusy = (key: keyof ReplicaSummary) => (busy > 0 ? parts.reduce((s, p) => s + (p[key] as number) * p.busy_fraction, 0) / busy : 0);
  const completed = total("completed");
  return {
    busy_fraction: busy / parts.length,
    mean_batch_size: byBusy("mean_batch_size"),
    mean_kv_utilization: byBusy("mean_kv_utilization"),
    tokens_per_s: total("tokens_per_s"),
    output_tokens_per_s: total("output_tokens_per_s"),
    compute_utilization: total("compute_utilization"),
    bandwidth_utilization: total("bandwidth_utilization"),
    preemptions: total("preemptions"),
    prefix_cache_hits: total("prefix_cache_hits"),
    prefix_cache_evictions: total("prefix_cache_evictions"),
    ...(parts[0]?.speculative
      ? {
          speculative: {
            steps: parts.reduce((s, p) => s + p.speculative!.steps, 0),
            tokens: parts.reduce((s, p) => s + p.speculative!.tokens, 0),
            proposed: parts.reduce((s, p) => s + p.speculative!.proposed, 0),
            accepted: parts.reduce((s, p) => s + p.speculative!.accepted, 0),
          },
        }
      : {}),
    ...(parts[0]?.prefix_cache_host_hits !== undefined ? { prefix_cache_host_hits: total("prefix_cache_host_hits"), prefix_cache_store_hits: total("prefix_cache_store_hits") } : {}),
    mean_outstanding: total("mean_outstanding"),
    completed,
    mean_residence_s: completed > 0 ? parts.reduce((s, p) => s + (p.mean_residence_s ?? 0) * p.completed, 0) / completed : null,
  };
}
