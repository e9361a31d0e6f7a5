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

async function main(): Promise<void> {
  const cli = yargs(hideBin(process.argv))
    .scriptName("fleetsim")
    .usage("$0 <command> [options]\n\nSimulates a managed LLM inference service from a YAML scenario.")
    .command(
      "run <scenario>",
      "simulate a scenario and write report.json, summary.md, timeseries.csv and report.html",
      (y: Argv) =>
        y
          .positional("scenario", { type: "string", demandOption: true, describe: "scenario YAML file" })
          .option("seed", { type: "number", describe: "seed for every random stream (overrides the scenario's)" })
          .option("set", setOption)
          .option("out", { type: "string", describe: "report folder (default: reports/<scenario file name>)" })
          .option("quiet", { type: "boolean", default: false, describe: "print nothing but errors" }),
      async (args) => {
        const { runCommand } = await import("./run.js");
        await runCommand({ scenario: args.scenario!, seed: args.seed, sets: args.set, out: args.out, quiet: args.quiet });
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
    .demandCommand(1, "Give a command: run, validate or schema (see --help).")
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

main().catch(handleErrors);
