/** Scenario problems, located by file:line:col and field path, and how they are printed. */

export interface ScenarioIssue {
  /** the scenario file, or "--set" for a command-line override */
  file: string;
  line?: number;
  col?: number;
  /** dotted field path, e.g. workload.tenants[0].arrival.rate_per_s */
  path: string;
  message: string;
}

export class ScenarioError extends Error {
  constructor(readonly issues: ScenarioIssue[]) {
    super(issues.map(formatIssue).join("\n"));
    this.name = "ScenarioError";
  }
}

export function formatIssue(issue: ScenarioIssue): string {
  const where = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}:${issue.col ?? 1}`;
  return issue.path ? `${where}: ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}

export type PathSegment = string | number;

export function formatPath(path: readonly PathSegment[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? segment : `.${segment}`;
  }
  return out;
}

/** Parses "workload.tenants[0].arrival.rate_per_s" into segments; undefined if malformed. */
/** A path segment `[*]`: every element of the list (in `--set` paths). */
export const WILDCARD = "*";

/** Parses "a.b[0].c" (and "[*]" for every element of a list); undefined when malformed. */
export function parsePath(text: string): PathSegment[] | undefined {
  const segments: PathSegment[] = [];
  const pattern = /([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+|\*)\]|(\.)/gy;
  let expectName = true;
  let match: RegExpExecArray | null;
  while (pattern.lastIndex < text.length && (match = pattern.exec(text))) {
    if (match[1] !== undefined) {
      if (!expectName) return undefined;
      segments.push(match[1]);
      expectName = false;
    } else if (match[2] !== undefined) {
      if (segments.length === 0) return undefined;
      segments.push(match[2] === "*" ? WILDCARD : Number(match[2]));
      expectName = false;
    } else {
      if (expectName) return undefined;
      expectName = true;
    }
  }
  if (pattern.lastIndex !== text.length || expectName || segments.length === 0) return undefined;
  return segments;
}

/** Edit distance, for "did you mean ...?" on misspelt keys and names. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/** The closest candidate if it is plausibly what was meant. */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  // A name the user abbreviated ("h100" for "h100-sxm") is the likeliest meaning.
  const extended = candidates.filter((c) => c.toLowerCase().startsWith(word.toLowerCase()) && c.length > word.length);
  if (word.length >= 3 && extended.length > 0) return extended.reduce((a, b) => (b.length < a.length ? b : a));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/** "unknown model 'x' (did you mean 'y'?) — known: a, b" */
export function unknownName(what: string, name: string, known: readonly string[]): string {
  const guess = closestMatch(name, known);
  const hint = guess ? `; did you mean '${guess}'?` : ".";
  const list = known.length > 0 ? ` Known: ${known.join(", ")}.` : "";
  return `unknown ${what} '${name}'${hint}${list}`;
}
