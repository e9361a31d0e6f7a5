/** How the CLI ends on errors: clear messages and exit codes, never a stack trace for bad input. */
import { ScenarioError, formatIssue } from "../scenario/issues.js";

export const exitCodes = { ok: 0, internal: 1, invalidInput: 2, thresholdFailed: 99 } as const;

/** An error in what the user asked for (an option, a path), as opposed to a bug. */
export class UsageError extends Error {}

export function printScenarioError(error: ScenarioError): void {
  for (const issue of error.issues) process.stderr.write(`${formatIssue(issue)}\n`);
  const n = error.issues.length;
  process.stderr.write(`${n} problem${n === 1 ? "" : "s"} found.\n`);
}

export function handleErrors(error: unknown): never {
  if (error instanceof ScenarioError) {
    printScenarioError(error);
    process.exit(exitCodes.invalidInput);
  }
  if (error instanceof UsageError) {
    process.stderr.write(`fleetsim: ${error.message}\n`);
    process.exit(exitCodes.invalidInput);
  }
  const detail = process.env.FLEETSIM_DEBUG ? (error as Error)?.stack : String((error as Error)?.message ?? error);
  process.stderr.write(`fleetsim: internal error: ${detail}\n(set FLEETSIM_DEBUG=1 for a stack trace; please report this)\n`);
  process.exit(exitCodes.internal);
}
