/** Reusable schema pieces: durations, rates, distributions. Each carries the text `fleetsim schema` exports. */
import { z } from "zod";
import { parseDurationSeconds } from "./units.js";
import { atMost, formatLimit, LIMITS, limitMessage, quote, type Limit } from "./limits.js";

const DURATION_FORMS = 'a duration: "250ms", "30s", "5m", "2h", "1d", "2h40m", or a plain number of seconds';

/** A duration in seconds, written with a unit or as plain seconds; `positive` rejects zero. At most `max` (LIMITS.duration, 400 days). */
export function duration(description: string, { positive = false, max = LIMITS.duration } = {}) {
  const most = `${formatLimit(max.max / 86_400)}d`;
  const DURATION_HELP = `${DURATION_FORMS}; at most ${most}`;
  return z
    .union([z.number(), z.string()])
    .transform((raw, ctx) => {
      const shown = typeof raw === "string" ? quote(raw) : String(raw);
      const seconds = parseDurationSeconds(raw);
      if (seconds === undefined) {
        ctx.addIssue({ code: "custom", message: `expected ${DURATION_HELP}, got ${shown}` });
        return z.NEVER;
      }
      if (seconds < 0 || (positive && seconds === 0)) {
        ctx.addIssue({ code: "custom", message: `expected a duration ${positive ? "> 0" : ">= 0"}, got ${shown}` });
        return z.NEVER;
      }
      if (seconds > max.max) {
        ctx.addIssue({ code: "custom", message: `expected a duration of at most ${most} (${formatLimit(max.max)} s, the limit on ${max.what}), got ${shown}` });
        return z.NEVER;
      }
      return seconds;
    })
    .describe(`${description} (${DURATION_HELP})`);
}

/** A Weibull shape: below LIMITS.weibullShapeMin its mean's gamma function overflows a double. */
export const weibullShape = (description: string) =>
  z.number().min(LIMITS.weibullShapeMin.max, `expected a Weibull shape of at least ${LIMITS.weibullShapeMin.max} (below it the distribution's scale overflows)`).describe(`${description} (at least ${LIMITS.weibullShapeMin.max})`);

/** A speed (TFLOPS, TB/s, GB/s) of at least LIMITS.speedMin, so the times derived from it stay finite. */
export const speed = (description: string) =>
  z.number().min(LIMITS.speedMin.max, `expected at least ${LIMITS.speedMin.max} (slower makes derived times overflow)`).describe(`${description} (at least ${LIMITS.speedMin.max})`);

/** A number at most the limit, with the limit's message: `.max()` for a `z.number()` or `z.int()`. */
export function capped<T extends z.ZodNumber>(schema: T, l: Limit): T {
  return schema.max(l.max, limitMessage(l)) as T;
}

/** An integer count from `min` up to the limit. */
export const count = (l: Limit, min = 0) => capped(z.int().min(min), l);

export const positiveNumber = (description: string, l?: Limit) =>
  (l ? capped(z.number().positive(), l) : z.number().positive()).describe(l ? description + atMost(l) : description);
export const nonNegativeNumber = (description: string, l?: Limit) =>
  (l ? capped(z.number().nonnegative(), l) : z.number().nonnegative()).describe(l ? description + atMost(l) : description);

/**
 * One shape for every distribution: `{ dist: <family>, ...parameters, min?, max? }`.
 * `value` is the schema of a sample (a duration for times, a plain number for token counts).
 */
function distributionOf<V extends z.ZodType<number, unknown>>(value: (d: string) => V, what: string) {
  const bounds = {
    min: value(`smallest value: samples below it are raised to it`).optional(),
    max: value(`largest value: samples above it are lowered to it`).optional(),
  };
  const cv = positiveNumber("coefficient of variation (standard deviation / mean)", LIMITS.cv);
  return z
    .discriminatedUnion("dist", [
      z.strictObject({ dist: z.literal("fixed"), value: value(`the ${what}`), ...bounds }).describe("always the same value"),
      z.strictObject({ dist: z.literal("exponential"), mean: value(`mean ${what}`), ...bounds }).describe("exponential"),
      z
        .strictObject({ dist: z.literal("uniform"), min: value(`lowest ${what}`), max: value(`highest ${what}`) })
        .describe("uniform between min and max"),
      z.strictObject({ dist: z.literal("lognormal"), mean: value(`mean ${what}`), cv, ...bounds }).describe("lognormal, given its mean and CV"),
      z.strictObject({ dist: z.literal("gamma"), mean: value(`mean ${what}`), cv, ...bounds }).describe("gamma, given its mean and CV"),
      z
        .strictObject({
          dist: z.literal("weibull"),
          mean: value(`mean ${what}`),
          shape: weibullShape("Weibull shape k (1 = exponential, < 1 heavier tail)"),
          ...bounds,
        })
        .describe("Weibull, given its mean and shape"),
      z
        .strictObject({
          dist: z.literal("empirical"),
          file: z.string().min(1).describe("CSV (header row) or JSON Lines file, relative to the scenario file; .gz is read too"),
          column: z.string().min(1).describe("column (CSV) or key (JSON Lines) whose values are sampled uniformly"),
          scale: positiveNumber("multiplier applied to the file's values", LIMITS.factor).default(1),
          ...bounds,
        })
        .describe("resampled from a column of a data file (times in seconds)"),
    ])
    .describe(`distribution of the ${what}`);
}

export const timeDistribution = (description: string) =>
  distributionOf((d) => duration(d), "time").describe(description);

export const tokenDistribution = (description: string) =>
  distributionOf((d) => nonNegativeNumber(`${d} (tokens)`, LIMITS.tokens), "token count").describe(description);

export type TimeDistribution = z.output<ReturnType<typeof timeDistribution>>;
export type TokenDistribution = z.output<ReturnType<typeof tokenDistribution>>;
export type Distribution = TimeDistribution | TokenDistribution;

/** Names of models, tenants, regions: safe in file names, CSV columns and stream names. */
export const identifier = (description: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "expected a name of letters, digits, '.', '_' or '-'")
    .describe(description);

/**
 * A section that may be left out, and is then what its fields' own defaults make of `{}`: each
 * default is written once, on its field. (zod's `.prefault({})` fills a section the same way, but it
 * would change the exported JSON Schema: `{}` shown as the default instead of the filled-in section.)
 */
export function defaultsFromFields<Section extends z.ZodObject>(section: Section) {
  return section.default(() => section.parse({}) as z.util.NoUndefined<z.output<Section>>);
}
