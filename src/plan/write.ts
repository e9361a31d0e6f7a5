/** plan.json and plan.md: a plan's answer, every candidate's, and (in the JSON) every simulation. */
import type { PlanResult, CandidateAnswer } from "./plan.js";
import { usd } from "../report/format.js";
import { escapeMarkdown, markdownCode } from "../report/markdown.js";

export function planJson(plan: PlanResult): string {
  return JSON.stringify(plan, null, 2) + "\n";
}

const money = (x: number | null) => (x === null ? "–" : usd(x));

function answerCell(plan: PlanResult, a: CandidateAnswer): string {
  if (a.value !== null) return String(a.value);
  const why = a.failing_at_max.length > 0 ? `: ${a.failing_at_max.join("; ")}` : "";
  return `none (fails at ${plan.vary.max}${why})`;
}

// Names, values and paths come from the scenario and the candidates file: escaped, as summary.md's are.
const md = (text: string) => escapeMarkdown(text);
const code = (text: string) => markdownCode(text);

/** One row per candidate (or the scenario), the best in bold, then the thresholds met and any warning. */
export function planMarkdown(plan: PlanResult): string {
  const { vary, best } = plan;
  const grid = vary.integer ? "integers" : vary.step === null ? "" : `step ${vary.step}`;
  const seeds = plan.seeds.length === 1 ? `seed ${plan.seeds[0]}` : `seeds ${plan.seeds[0]}–${plan.seeds[plan.seeds.length - 1]}`;
  const thresholds = [...new Set(plan.tried.flatMap((r) => Object.entries(r.thresholds).flatMap(([metric, list]) => list.map((t) => `${metric}: ${t.expression}`))))];
  const isBest = (a: CandidateAnswer) => best !== null && a.value === best.value && (best.candidate === undefined || a.candidate === best.candidate);
  const lines = [
    `# Capacity plan: ${md(plan.scenario.name)}`,
    "",
    `The smallest ${code(vary.path)} from ${vary.min} to ${vary.max} (${grid}) at which every threshold passes in ${seeds}, ` +
      `by bisection, assuming more is better. Scenario ${code(plan.scenario.file)}${plan.sets.length > 0 ? `, with ${plan.sets.map((s) => code(`--set ${s}`)).join(" ")}` : ""}.`,
    "",
    `Thresholds: ${thresholds.length > 0 ? thresholds.map(code).join(", ") : "–"}.`,
    "",
    "| candidate | set | answer | cost | per M output tokens | per M tokens (in+out) | simulations |",
    "|---|---|---|--:|--:|--:|--:|",
    ...plan.candidates.map((a) => {
      const name = a.candidate === null ? "(scenario)" : md(a.candidate);
      const set = Object.entries(a.set).map(([path, value]) => `${path}=${typeof value === "string" ? value : JSON.stringify(value)}`);
      const row = [
        isBest(a) ? `**${name}** (best)` : name,
        set.length > 0 ? set.map((s) => markdownCode(s, { tableCell: true })).join(" ") : "–",
        md(answerCell(plan, a)),
        money(a.cost_usd),
        money(a.cost_per_output_mtok_usd),
        money(a.cost_per_mtok_usd),
        String(a.simulations),
      ];
      return `| ${row.join(" | ")} |`;
    }),
    "",
    best === null
      ? `**No answer**: even ${md(vary.path)} = ${vary.max} fails a threshold.`
      : `**Answer**: ${best.candidate !== undefined ? `${md(best.candidate)} with ` : ""}${md(vary.path)} = ${best.value}, ` +
        `${money(best.cost_usd)} over the window, ${money(best.cost_per_output_mtok_usd)} per million output tokens.`,
    "",
    "Costs are report.json's `cost.total_usd` over the measurement window (duration − warmup), the mean over the seeds at the answer; " +
      "per million tokens they are pooled over those seeds (total cost / total tokens). Candidates are ranked by cost per million output tokens.",
  ];
  const unpriced = plan.candidates.filter((a) => a.unpriced_server_types.length > 0);
  if (unpriced.length > 0) {
    lines.push(
      "",
      `**Warning**: ${unpriced.map((a) => `${a.candidate === null ? "the scenario" : md(a.candidate)} runs on ${a.unpriced_server_types.map(md).join(", ")}`).join("; ")}, ` +
        "without a price: those servers cost nothing here, so such a candidate ranks after every fully priced one.",
    );
  }
  return lines.join("\n") + "\n";
}
