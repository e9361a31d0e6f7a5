/** How the CLI ends on errors: clear messages and exit codes, never a stack trace for bad input. */
import { ScenarioError, formatIssue } from "../scenario/issues.js";
import { OutputError } from "../report/write.js";
import { printErr } from "./terminal.js";

export const exitCodes = { ok: 0, internal: 1, invalidInput: 2, thresholdFailed: 99 } as const;

/** An error in what the user asked for (an option, a path), as opposed to a bug. */
export class UsageError extends Error {}

export function printScenarioError(error: ScenarioError): void {
  for (const issue of error.issues) printErr(`${formatIssue(issue)}\n`);
  const n = error.issues.length;
  printErr(`${n} problem${n === 1 ? "" : "s"} found.\n`);
}

export function handleErrors(error: unknown): never {
  if (error instanceof ScenarioError) {
    printScenarioError(error);
    process.exit(exitCodes.invalidInput);
  }
  // An output path that cannot be written (a file where a folder should be, no permission) is the user's to fix.
  if (error instanceof UsageError || error instanceof OutputError) {
    printErr(`fleetsim: ${error.message}\n`);
    process.exit(exitCodes.invalidInput);
  }
  const detail = process.env.FLEETSIM_DEBUG ? (error as Error)?.stack : String((error as Error)?.message ?? error);
  printErr(`fleetsim: internal error: ${detail}\n(set FLEETSIM_DEBUG=1 for a stack trace; please report this)\n`);
  process.exit(exitCodes.internal);
}
