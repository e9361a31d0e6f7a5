/**
 * Ctrl-C (SIGINT) or SIGTERM while a command writes files: every staged file is removed, what was
 * already in place stays as it was, one line says so, and the process exits 130 (SIGINT) or 143
 * (SIGTERM), 128 + the signal's number as shells report it.
 *
 * Node runs a signal handler between turns of the event loop, never inside synchronous code. So a
 * commit (synchronous renames) is never cut in half; but a handler installed while a long synchronous
 * simulation holds the main thread would wait for it to end. Commands therefore install it only
 * where the main thread waits: on worker threads (`run`, `sweep`), on rendering charts (`check --out`).
 */
import { abandonAllStaged } from "../report/write.js";
import { terminalSafe } from "./terminal.js";

const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type Signal = keyof typeof EXIT_CODES;

/**
 * Until the returned function is called, SIGINT or SIGTERM removes the staged files, prints
 * "interrupted" with `outcome()` (what is left, what was kept) and exits.
 */
export function exitOnInterrupt(outcome: () => string): () => void {
  const handler = (signal: Signal) => {
    abandonAllStaged();
    const clearLine = process.stderr.isTTY ? "\r\x1b[K" : "";
    process.stderr.write(`${clearLine}fleetsim: interrupted (${signal}): ${terminalSafe(outcome())}\n`);
    process.exit(EXIT_CODES[signal]);
  };
  for (const signal of Object.keys(EXIT_CODES) as Signal[]) process.on(signal, handler);
  return () => {
    for (const signal of Object.keys(EXIT_CODES) as Signal[]) process.off(signal, handler);
  };
}
