#!/usr/bin/env node
/**
 * The fleetsim command line. Exit codes: 0 success, 1 internal error, 2 invalid input
 * (scenario, options or files), 99 a threshold failed (`check`).
 */
import yargs, { type Argv } from "yargs";
import { hideBin } from "yargs/helpers";
import { exitCodes, handleErrors } from "./errors.js";

const setOption = {
  type: "string",
  array: true,
  default: [] as string[],
  describe: "override a scenario field, e.g. --set seed=7 --set workload.tenants[0].arrival.rate_per_s=9 (repeatable)",
} as const;

/** What the commands that load and run one scenario (run, check) share: the file, --seed and --set. */
function scenarioOptions(y: Argv) {
  return y
    .positional("scenario", { type: "string", demandOption: true, describe: "scenario YAML file" })
    .option("seed", { type: "number", describe: "seed for every random stream (overrides the scenario's)" })
    .option("set", setOption);
}

async function main(): Promise<void> {
  const cli = yargs(hideBin(process.argv))
    .scriptName("fleetsim")
    .usage("$0 <command> [options]\n\nSimulates a managed LLM inference service from a YAML scenario.")
    .command(
      "run <scenario>",
      "simulate a scenario and write report.json, summary.md, timeseries.csv and report.html",
      (y: Argv) =>
        scenarioOptions(y)
          .option("out", { type: "string", describe: "report folder (default: reports/<scenario file name>)" })
          .option("quiet", { type: "boolean", default: false, describe: "print nothing but errors" }),
      async (args) => {
        const { runCommand } = await import("./run.js");
        await runCommand({ scenario: args.scenario!, seed: args.seed, sets: args.set, out: args.out, quiet: args.quiet });
      },
    )
    .command(
      "check <scenario>",
      "run a scenario and evaluate its thresholds: exit 0 if all pass, 99 if any fails, 2 on invalid input",
      (y: Argv) =>
        scenarioOptions(y)
          .option("junit", { type: "string", describe: "also write the results as JUnit XML to this file" })
          .option("out", { type: "string", describe: "also write the report to this folder" }),
      async (args) => {
        const { checkCommand } = await import("./check.js");
        process.exitCode = await checkCommand({ scenario: args.scenario!, seed: args.seed, sets: args.set, junit: args.junit, out: args.out });
      },
    )
    .command(
      "validate <scenarios..>",
      "check scenario files and list every problem (file:line:col, field path, what was expected)",
      (y: Argv) =>
        y
          .positional("scenarios", { type: "string", array: true, demandOption: true, describe: "scenario YAML files" })
          .option("set", setOption),
      async (args) => {
        const { validateCommand } = await import("./validate.js");
        process.exitCode = validateCommand(args.scenarios as string[], args.set);
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
          .option("gpu", { type: "string", describe: "GPU id (h100-sxm, a100-sxm-80gb, h200-sxm, l40s, b200, ...)" })
          .option("model", { type: "string", describe: "model id (llama-3.1-70b, mixtral-8x7b, ...)" })
          .option("precision", { type: "string", default: "bf16", describe: "fp16, bf16, fp8, int8 or int4" })
          .option("tp", { type: "number", default: 1, describe: "tensor-parallel GPUs" })
          .option("pp", { type: "number", default: 1, describe: "pipeline-parallel stages (a replica has tp x pp GPUs)" })
          .option("isl", { type: "number", describe: "input (prompt) tokens" })
          .option("osl", { type: "number", describe: "output tokens" })
          .option("batch", { type: "number", describe: "a static batch of N requests (closed form)" })
          .option("concurrency", { type: "number", describe: "N users in a closed loop (simulated)" })
          .option("max-throughput", { type: "boolean", default: false, describe: "offline serving, in-flight batching limited by KV memory (simulated)" })
          .option("stack", { type: "string", choices: ["trtllm", "vllm-2023"], describe: "calibrated serving stack (default trtllm)" })
          .option("points", {
            type: "string",
            describe: "CSV of points: gpu,model,precision,tp,isl,osl, optionally pp, and one of batch, concurrency, max_throughput; a row that cannot run gets its reason in an error column",
          })
          .option("out", { type: "string", describe: "with --points: write the result CSV here instead of stdout" }),
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
          stack: args.stack as "trtllm" | "vllm-2023" | undefined,
          points: args.points,
          out: args.out,
        });
      },
    )
    .demandCommand(1, "Give a command: run, check, validate, schema or estimate (see --help).")
    .strict()
    .help()
    .alias("h", "help")
    .version(false)
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((message, error) => {
      if (error) throw error;
      process.stderr.write(`fleetsim: ${message}\nRun 'fleetsim --help' for usage.\n`);
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
