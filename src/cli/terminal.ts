/**
 * Everything the CLI prints goes through here, because scenarios and reports carry text from whoever
 * wrote them: a control character in a scenario's name (an escape sequence) could recolour the
 * terminal, move the cursor over earlier lines, set the window title or, in some terminals, answer
 * back as keystrokes; a bidirectional override could make a line read differently from its bytes.
 * Such characters are shown as `\uXXXX` instead (valid inside JSON strings too); tabs and line breaks
 * pass. The CLI's own live progress lines, which move the cursor on purpose, write directly.
 */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Writes to stdout, control characters escaped. */
export function printOut(text: string): void {
  process.stdout.write(terminalSafe(text));
}

/** Writes to stderr, control characters escaped. */
export function printErr(text: string): void {
  process.stderr.write(terminalSafe(text));
}
