#!/usr/bin/env node
/**
 * The fleetsim command line. Exit codes: 0 success, 1 internal error (or a sweep cell failed),
 * 2 invalid input (scenario, options or files; a check with no thresholds), 99 a threshold failed
 * (`check`), no value passes (`plan`) or a metric regressed (`compare --fail-on-regression`).
 */
import { readFileSync, statSync } from "node:fs";
import yargs, { type Argv } from "yargs";
import { hideBin } from "yargs/helpers";
import { exitCodes, handleErrors, UsageError } from "./errors.js";
import { printErr } from "./terminal.js";
import { NEWEST_TRTLLM, STACK_NAMES, type StackName } from "../inference/latency/efficiency.js";

const setOption = {
  type: "string",
  array: true,
  requiresArg: true,
  default: [] as string[],
  describe: "override a scenario field, e.g. --set seed=7 --set workload.tenants[0].arrival.rate_per_s=9 (repeatable)",
} as const;

const dataDirOption = {
  type: "string",
  array: true,
  requiresArg: true,
  nargs: 1,
  default: [] as string[],
  describe:
    "a folder the scenario's data files (traces, empirical distributions, profiles) may also be read from; by default only the scenario's own folder (symbolic links resolved) (repeatable)",
} as const;

/** A `coerce` for an option that takes a whole number: its value as a number, or a UsageError naming the option and what was given. */
function wholeNumber(option: string): (value: string) => number {
  return (value) => {
    if (!/^-?\d+$/.test(String(value).trim())) throw new UsageError(`${option}: expected a whole number, got "${value}"`);
    return Number(value);
  };
}

/** --data-dir folders, each checked to exist, or a UsageError. */
function dataDirs(dirs: readonly string[] | undefined): string[] {
  return (dirs ?? []).map((dir) => {
    let isFolder = false;
    try {
      isFolder = statSync(dir).isDirectory();
    } catch {
      throw new UsageError(`--data-dir ${dir}: no such folder`);
    }
    if (!isFolder) throw new UsageError(`--data-dir ${dir}: not a folder`);
    return dir;
  });
}

/** What the commands that load and run one scenario (run, check, plan, sweep) share: the file, --seed, --set and --data-dir. */
function scenarioOptions(y: Argv) {
  return y
    .positional("scenario", { type: "string", demandOption: true, describe: "scenario YAML file" })
    .option("seed", { type: "string", requiresArg: true, coerce: wholeNumber("--seed"), describe: "seed for every random stream (overrides the scenario's)" })
    .option("set", setOption)
    .option("data-dir", dataDirOption);
}

/** package.json's version (two folders up from src/cli or dist/cli). */
const FLEETSIM_VERSION: string = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version;

async function main(): Promise<void> {
  const argv = hideBin(process.argv);
  const cli = yargs(argv.length === 0 ? ["--help"] : argv)
    .scriptName("fleetsim")
    .usage("$0 <command> [options]\n\nSimulates a managed LLM inference service from a YAML scenario.")
    .command(
      "run <scenario>",
      "simulate a scenario and write report.json, summary.md, timeseries.csv and report.html",
      (y: Argv) =>
        scenarioOptions(y)
          .option("out", { type: "string", requiresArg: true, describe: "report folder (default: out/<scenario file name>; reports/ holds the committed samples)" })
          .option("quiet", { type: "boolean", default: false, describe: "print nothing but errors" })
          .option("shuffle-ties", {
            type: "boolean",
            default: false,
            describe: "run events of the same microsecond and priority class in a random order seeded from the seed (still reproducible), to show results do not hinge on tie order",
          }),
      async (args) => {
        const { runCommand } = await import("./run.js");
        await runCommand({ scenario: args.scenario!, seed: args.seed, sets: args.set, out: args.out, quiet: args.quiet, dataDirs: dataDirs(args["data-dir"]), shuffleTies: args["shuffle-ties"] });
      },
    )
    .command(
      "check <scenario>",
      "run a scenario and evaluate its thresholds: exit 0 if all pass, 99 if any fails, 2 on invalid input or no thresholds",
      (y: Argv) =>
        scenarioOptions(y)
          .option("junit", { type: "string", requiresArg: true, describe: "also write the results as JUnit XML to this file" })
          .option("out", { type: "string", requiresArg: true, describe: "also write the report to this folder" })
          .option("allow-empty", { type: "boolean", default: false, describe: "pass a scenario without thresholds (otherwise refused, exit 2)" }),
      async (args) => {
        const { checkCommand } = await import("./check.js");
        process.exitCode = await checkCommand({
          scenario: args.scenario!,
          seed: args.seed,
          sets: args.set,
          junit: args.junit,
          out: args.out,
          allowEmpty: args["allow-empty"],
          dataDirs: dataDirs(args["data-dir"]),
        });
      },
    )
    .command(
      "plan <scenario>",
      "smallest value of a field (--vary) that passes every threshold in every seed, by bisection, and its cost; with --candidates, the cheapest configuration",
      (y: Argv) =>
        scenarioOptions(y)
          .option("vary", { type: "string", requiresArg: true, demandOption: true, describe: "field path to search, e.g. models[0].replicas.initial" })
          .option("min", { type: "number", requiresArg: true, demandOption: true, describe: "smallest value to consider" })
          .option("max", { type: "number", requiresArg: true, demandOption: true, describe: "largest value to consider (if it fails, there is no answer: exit 99)" })
          .option("step", { type: "number", requiresArg: true, describe: "resolution for a non-integer field (an integer field is searched by 1)" })
          .option("seeds", { type: "number", requiresArg: true, default: 1, describe: "seeds each value must pass: seed, seed+1, ..., seed+N-1" })
          .option("candidates", { type: "string", requiresArg: true, describe: "YAML list of { name, set: { PATH: VALUE } } configurations; the cheapest per million output tokens wins" })
          .option("out", { type: "string", requiresArg: true, describe: "write plan.json and plan.md to this folder" }),
      async (args) => {
        const { planCommand } = await import("./plan.js");
        process.exitCode = await planCommand({
          scenario: args.scenario!,
          vary: args.vary,
          min: args.min,
          max: args.max,
          step: args.step,
          seeds: args.seeds,
          seed: args.seed,
          sets: args.set,
          candidates: args.candidates,
          out: args.out,
          dataDirs: dataDirs(args["data-dir"]),
        });
      },
    )
    .command(
      "compare <a> <b>",
      "two report.json side by side (headline metrics, B - A, % of A, threshold verdicts) as Markdown or JSON; exit 99 on a regression beyond --fail-on-regression",
      (y: Argv) =>
        y
          .positional("a", { type: "string", demandOption: true, describe: "the baseline report.json (or its folder)" })
          .positional("b", { type: "string", demandOption: true, describe: "the report.json compared with it (or its folder)" })
          .option("format", { type: "string", requiresArg: true, choices: ["md", "json"], default: "md", describe: "Markdown (for a pull-request comment) or JSON" })
          .option("out", { type: "string", requiresArg: true, describe: "write to this file instead of stdout" })
          .option("fail-on-regression", { type: "number", requiresArg: true, describe: "exit 99 if a metric got worse by more than this percentage of A" }),
      async (args) => {
        const { compareCommand } = await import("./compare.js");
        process.exitCode = compareCommand({
          a: args.a!,
          b: args.b!,
          format: args.format as "md" | "json",
          out: args.out,
          failOnRegression: args["fail-on-regression"],
        });
      },
    )
    .command(
      "validate <scenarios..>",
      "check scenario files and list every problem (file:line:col, field path, what was expected)",
      (y: Argv) =>
        y
          .positional("scenarios", { type: "string", array: true, demandOption: true, describe: "scenario YAML files" })
          .option("set", setOption)
          .option("data-dir", dataDirOption),
      async (args) => {
        const { validateCommand } = await import("./validate.js");
        process.exitCode = validateCommand(args.scenarios as string[], args.set, dataDirs(args["data-dir"]));
      },
    )
    .command(
      "schema",
      "print the scenario format as JSON Schema (for editor completion and validation)",
      (y: Argv) => y,
      async () => {
        const { schemaCommand } = await import("./schema.js");
        schemaCommand();
      },
    )
    .command(
      "estimate",
      "one latency-model point (GPU, model, precision, TP, PP, prompt and output lengths) as JSON, or --points CSV",
      (y: Argv) =>
        y
          .option("gpu", { type: "string", requiresArg: true, describe: "GPU id (h100-sxm, a100-sxm-80gb, h200-sxm, l40s, b200, ...)" })
          .option("model", { type: "string", requiresArg: true, describe: "model id (llama-3.1-70b, mixtral-8x7b, ...)" })
          .option("precision", { type: "string", requiresArg: true, default: "bf16", describe: "fp16, bf16, fp8, int8 or int4" })
          .option("tp", { type: "number", requiresArg: true, default: 1, describe: "tensor-parallel GPUs" })
          .option("pp", { type: "number", requiresArg: true, default: 1, describe: "pipeline-parallel stages (a replica has tp x pp GPUs)" })
          .option("isl", { type: "number", requiresArg: true, describe: "input (prompt) tokens" })
          .option("osl", { type: "number", requiresArg: true, describe: "output tokens" })
          .option("batch", { type: "number", requiresArg: true, describe: "a static batch of N requests (closed form)" })
          .option("concurrency", { type: "number", requiresArg: true, describe: "N users in a closed loop (simulated)" })
          .option("max-throughput", { type: "boolean", default: false, describe: "offline serving, in-flight batching limited by KV memory (simulated)" })
          .option("stack", {
            type: "string",
            requiresArg: true,
            choices: STACK_NAMES,
            describe: `calibrated serving stack and version (default ${NEWEST_TRTLLM}; trtllm names the newest TensorRT-LLM); a --points file may give a stack column instead`,
          })
          .option("draft-model", { type: "string", requiresArg: true, describe: "speculative decoding: the draft model (catalog id), on the target's GPUs; with --draft-tokens and --acceptance-rate" })
          .option("draft-tokens", { type: "number", requiresArg: true, describe: "speculative decoding: tokens the draft proposes per step (k)" })
          .option("acceptance-rate", { type: "number", requiresArg: true, describe: "speculative decoding: per-token acceptance probability a; tokens per step E = (1 - a^(k+1)) / (1 - a)" })
          .option("points", {
            type: "string",
            describe: "CSV of points: gpu,model,precision,tp,isl,osl, optionally pp and stack, and one of batch, concurrency, max_throughput; a row that cannot run gets its reason in an error column",
          })
          .option("out", { type: "string", requiresArg: true, describe: "with --points: write the result CSV here instead of stdout" }),
      async (args) => {
        const { estimateCommand } = await import("./estimate.js");
        estimateCommand({
          gpu: args.gpu,
          model: args.model,
          precision: args.precision,
          tp: args.tp,
          pp: args.pp,
          isl: args.isl,
          osl: args.osl,
          batch: args.batch,
          concurrency: args.concurrency,
          maxThroughput: args["max-throughput"],
          stack: args.stack as StackName | undefined,
          draftModel: args["draft-model"],
          draftTokens: args["draft-tokens"],
          acceptanceRate: args["acceptance-rate"],
          points: args.points,
          out: args.out,
        });
      },
    )
    .command(
      "catalog [what]",
      "list the built-in GPUs, models, server types (with prices) and precisions",
      (y: Argv) => y.positional("what", { type: "string", choices: ["gpus", "models", "servers", "precisions"], describe: "one list only" }),
      async (args) => {
        const { catalogCommand } = await import("./catalog.js");
        catalogCommand(args.what as "gpus" | "models" | "servers" | "precisions" | undefined);
      },
    )
    .command(
      "sweep <scenario>",
      "run a scenario over a grid of --set values x seeds on worker threads: cells, sweep.csv and sweep.html; exit 1 if a cell failed",
      (y: Argv) =>
        scenarioOptions(y)
          .option("seed", { type: "string", requiresArg: true, coerce: wholeNumber("--seed"), describe: "the first seed (default: the scenario's); each grid point runs seed, seed+1, ..." })
          .option("grid", { type: "string", requiresArg: true, array: true, nargs: 1, default: [] as string[], describe: "an axis: PATH=v1,v2,... (repeatable; first axis outermost; values read as YAML like --set)" })
          .option("grid-file", { type: "string", requiresArg: true, describe: "axes from a YAML mapping PATH -> list of values (for values with commas); before the --grid axes" })
          .option("seeds", { type: "number", requiresArg: true, default: 1, describe: "seeds per grid point (common random numbers across the grid)" })
          .option("jobs", { type: "number", requiresArg: true, describe: "worker threads (default: the available cores)" })
          .option("out", { type: "string", requiresArg: true, describe: "sweep folder (default: out/sweeps/<scenario name>); cells already there with the same inputs are reused" })
          .option("shard", { type: "string", requiresArg: true, describe: "i/N: run only the cells whose index mod N is i-1 (then: fleetsim merge)" })
          .option("quiet", { type: "boolean", default: false, describe: "print nothing but errors" }),
      async (args) => {
        const { sweepCommand } = await import("./sweep.js");
        process.exitCode = await sweepCommand({
          scenario: args.scenario!,
          seed: args.seed,
          sets: args.set,
          grid: args.grid,
          gridFile: args["grid-file"],
          seeds: args.seeds,
          jobs: args.jobs,
          out: args.out,
          shard: args.shard,
          quiet: args.quiet,
          dataDirs: dataDirs(args["data-dir"]),
        });
      },
    )
    .command(
      "merge <dirs..>",
      "merge the folders of a sweep's shards into one: every cell, sweep.csv and sweep.html as one run writes them; exit 2 if cells are missing or given twice",
      (y: Argv) =>
        y
          .positional("dirs", { type: "string", array: true, demandOption: true, describe: "sweep folders (each with sweep.json)" })
          .option("out", { type: "string", requiresArg: true, demandOption: true, describe: "the merged sweep's folder" })
          .option("quiet", { type: "boolean", default: false, describe: "print nothing but errors" }),
      async (args) => {
        const { mergeCommand } = await import("./sweep.js");
        process.exitCode = await mergeCommand({ dirs: args.dirs as string[], out: args.out, quiet: args.quiet });
      },
    )
    .demandCommand(1, "Give a command (see --help).")
    .recommendCommands()
    .strict()
    .help()
    .alias("h", "help")
    .version(FLEETSIM_VERSION)
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((message, error) => {
      // yargs' own refusals (an option without its value, an unknown argument) are the user's to fix;
      // anything else thrown while parsing or running (a UsageError from `coerce` or a command included) is handleErrors'.
      if (error && error.name !== "YError") throw error;
      printErr(`fleetsim: ${error?.message ?? message}\nRun 'fleetsim --help' for usage.\n`);
      process.exit(exitCodes.invalidInput);
    });
  await cli.parseAsync();
}

// A reader that stops early (`fleetsim ... | head`) is not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

main().catch(handleErrors);
