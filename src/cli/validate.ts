import { loadScenarioFile } from "../scenario/load.js";
import { ScenarioError } from "../scenario/issues.js";
import { exitCodes, printScenarioError } from "./errors.js";
import { printOut } from "./terminal.js";

/** Validates each file; prints "ok" or every problem; returns the exit code. */
export function validateCommand(files: readonly string[], sets: readonly string[], dataDirs: readonly string[] = []): number {
  let code: number = exitCodes.ok;
  for (const file of files) {
    try {
      loadScenarioFile(file, { sets, dataDirs });
      printOut(`ok: ${file}\n`);
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error;
      printScenarioError(error);
      code = exitCodes.invalidInput;
    }
  }
  return code;
}
