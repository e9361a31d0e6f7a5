/** Reusable schema pieces: durations, rates, distributions. Each carries the text `fleetsim schema` exports. */
import { z } from "zod";
import { parseDurationSeconds } from "./units.js";

const DURATION_HELP = 'a duration: "250ms", "30s", "5m", "2h", "1d", "2h40m", or a plain number of seconds';

/** A duration in seconds, written with a unit or as plain seconds; `positive` rejects zero. */
export function duration(description: string, { positive = false } = {}) {
  return z
    .union([z.number(), z.string()])
    .transform((raw, ctx) => {
      const seconds = parseDurationSeconds(raw);
      if (seconds === undefined) {
        ctx.addIssue({ code: "custom", message: `expected ${DURATION_HELP}, got ${JSON.stringify(raw)}` });
        return z.NEVER;
      }
      if (seconds < 0 || (positive && seconds === 0)) {
        ctx.addIssue({ code: "custom", message: `expected a duration ${positive ? "> 0" : ">= 0"}, got ${JSON.stringify(raw)}` });
        return z.NEVER;
      }
      return seconds;
    })
    .describe(`${description} (${DURATION_HELP})`);
}

export const positiveNumber = (description: string) => z.number().positive().describe(description);
export const nonNegativeNumber = (description: string) => z.number().nonnegative().describe(description);

/**
 * One shape for every distribution: `{ dist: <family>, ...parameters, min?, max? }`.
 * `value` is the schema of a sample (a duration for times, a plain number for token counts).
 */
function distributionOf<V extends z.ZodType<number, unknown>>(value: (d: string) => V, what: string) {
  const bounds = {
    min: value(`smallest value: samples below it are raised to it`).optional(),
    max: value(`largest value: samples above it are lowered to it`).optional(),
  };
  const cv = positiveNumber("coefficient of variation (standard deviation / mean)");
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
          shape: positiveNumber("Weibull shape k (1 = exponential, < 1 heavier tail)"),
          ...bounds,
        })
        .describe("Weibull, given its mean and shape"),
      z
        .strictObject({
          dist: z.literal("empirical"),
          file: z.string().min(1).describe("CSV (header row) or JSON Lines file, relative to the scenario file; .gz is read too"),
          column: z.string().min(1).describe("column (CSV) or key (JSON Lines) whose values are sampled uniformly"),
          scale: positiveNumber("multiplier applied to the file's values").default(1),
          ...bounds,
        })
        .describe("resampled from a column of a data file (times in seconds)"),
    ])
    .describe(`distribution of the ${what}`);
}

export const timeDistribution = (description: string) =>
  distributionOf((d) => duration(d), "time").describe(description);

export const tokenDistribution = (description: string) =>
  distributionOf((d) => nonNegativeNumber(`${d} (tokens)`), "token count").describe(description);

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
