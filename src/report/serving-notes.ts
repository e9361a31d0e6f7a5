/** Sentences on the serving features a model uses, shared by summary.md and report.html. */
import { count, percent } from "./format.js";
import type { ModelReport } from "./report-types.js";

/**
 * What speculative decoding, prefill/decode disaggregation, the KV offload tiers and scaling to zero did for a model,
 * a sentence each (none for a model without them); `escape` makes its names safe for the page.
 * With `poolsScaled` (the pools have autoscalers), a pool's replicas are those that served in it over the run.
 */
/** Whether a model's pools autoscale somewhere (its `scaling` entries report pools). */
export function poolsScaled(report: { scaling: Record<string, Record<string, { pools?: unknown }>> }, model: string): boolean {
  return Object.values(report.scaling[model] ?? {}).some((s) => s.pools !== undefined);
}

export function servingNotes(model: ModelReport, escape: (text: string) => string, poolsScaled = false): string[] {
  const lines: string[] = [];
  const s = model.speculative_decoding;
  if (s) {
    const seen = s.tokens_per_step === null ? "no whole verify step in the window" : `${s.tokens_per_step.toFixed(2)} tokens per verify step seen over ${count(s.steps)} steps, the draft's proposals accepted ${percent(s.draft_acceptance ?? 0)} of the time`;
    lines.push(
      `Speculative decoding: ${escape(s.draft_model)} proposes ${s.draft_tokens} tokens a step at acceptance ${s.acceptance_rate} (E = ${s.expected_tokens_per_step.toFixed(2)} tokens per step; tenants may set their own); ${seen}. A step is one gap between tokens.`,
    );
  }
  const pools = model.pools;
  const kv = model.kv_transfer;
  if (pools && kv) {
    const ms = (s: number | null) => (s === null ? "-" : `${(s * 1e3).toFixed(1)} ms`);
    const shape = (p: typeof pools.prefill) => `${p.gpus_per_replica} x ${escape(p.gpu ?? model.deployment?.gpu ?? "GPU")} ${p.precision}`;
    const over = poolsScaled ? " over the run" : "";
    lines.push(
      `Disaggregated: ${pools.prefill.replicas} prefill replicas${over} (${shape(pools.prefill)}; busy ${percent(pools.prefill.busy_fraction)}, batch ${pools.prefill.mean_batch_size.toFixed(1)}) hand KV caches to ` +
        `${pools.decode.replicas} decode replicas${over} (${shape(pools.decode)}; busy ${percent(pools.decode.busy_fraction)}, batch ${pools.decode.mean_batch_size.toFixed(1)}): ` +
        `${count(kv.count)} transfers of ${(kv.bytes / 1e9).toFixed(1)} GB took ${ms(kv.time_s.mean)} on average (p99 ${ms(kv.time_s.p99)}) after waiting ${ms(kv.wait_for_memory_s.mean)} for decode memory; ${count(kv.cancelled)} never arrived.`,
    );
  }
  const pc = model.prompt_cache;
  if (pc) {
    lines.push(
      `Billed prompt caching: ${count(pc.read_tokens)} checkpoint tokens read and ${count(pc.write_5m_tokens + pc.write_1h_tokens)} written in the window (hit rate ${pc.hit_rate === null ? "-" : percent(pc.hit_rate)}), ` +
        `saving customers $${pc.customer_savings_usd.toFixed(2)} against the input price; the replicas found ${count(pc.physical_hit_tokens)} of those tokens in their prefix caches.`,
    );
  }
  const p = model.provisioned;
  if (p) {
    lines.push(
      `Provisioned throughput for ${escape(p.tenant)}: ${p.replicas} replica${p.replicas === 1 ? "" : "s"} at $${p.usd_per_replica_hour.toFixed(2)} per replica-hour, $${p.revenue_usd.toFixed(2)} in the window whatever it used; ${count(model.requests.throttled)} requests found its queue full and were answered 429.`,
    );
  }
  const c = model.cold_starts;
  if (c) {
    const took = c.latency_s.mean === null ? "" : `, each taking ${c.latency_s.mean.toFixed(0)} s on average (at most ${c.latency_s.max!.toFixed(0)} s) from the wake to the first replica taking traffic`;
    lines.push(
      `Scale to zero: ${count(c.count)} cold start${c.count === 1 ? "" : "s"} in the window${took}; ${count(c.waited)} requests waited for one and ${count(c.not_ready_attempts)} attempts were answered 429 model_not_ready. ` +
        `The model's replicas held ${c.gpu_hours.toFixed(1)} GPU-hours against ${c.gpu_hours_always_on.toFixed(1)} for one replica per region always on (${c.gpu_hours_saved >= 0 ? `${c.gpu_hours_saved.toFixed(1)} saved` : `${(-c.gpu_hours_saved).toFixed(1)} more`}).`,
    );
  }
  const t = model.prefix_cache_hits_by_tier;
  if (t) lines.push(`KV offload: prefix units found in GPU memory ${count(t.gpu)} times, read back from host memory ${count(t.host)} times and from the region's store ${count(t.store)} times (whole run).`);
  return lines;
}

