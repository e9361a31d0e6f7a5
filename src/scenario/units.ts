/** Parsing of the unit-carrying strings users write in scenarios ("250ms", "2h", "99.9%"). */

const SECONDS_PER_UNIT: Record<string, number> = {
  us: 1e-6,
  µs: 1e-6,
  ms: 1e-3,
  s: 1,
  sec: 1,
  m: 60,
  min: 60,
  h: 3600,
  d: 86_400,
};

const DURATION_PATTERN = /^\s*(-?[0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([a-zµ]*)\s*$/i;

const COMPOUND_PART = /([0-9]*\.?[0-9]+)\s*([a-zµ]+)/giy;

/** Seconds for "250ms", "30s", "5m", "2h", "1d", "1.5h", "2h40m" or a plain number of seconds; undefined if malformed. */
export function parseDurationSeconds(value: string | number): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  const match = DURATION_PATTERN.exec(value);
  if (match) {
    const unit = match[2].toLowerCase();
    const scale = unit === "" ? 1 : SECONDS_PER_UNIT[unit];
    return scale === undefined ? undefined : Number(match[1]) * scale;
  }
  // Compound: "2h40m", "1m30s".
  const text = value.trim();
  let total = 0;
  COMPOUND_PART.lastIndex = 0;
  let part: RegExpExecArray | null;
  let consumed = 0;
  while ((part = COMPOUND_PART.exec(text))) {
    const scale = SECONDS_PER_UNIT[part[2].toLowerCase()];
    if (scale === undefined) return undefined;
    total += Number(part[1]) * scale;
    consumed = COMPOUND_PART.lastIndex;
  }
  return consumed === text.length && consumed > 0 ? total : undefined;
}

/** A compact human form of a duration in seconds: 0.25 -> "250ms", 5400 -> "1.5h". */
export function formatDuration(seconds: number): string {
  const abs = Math.abs(seconds);
  if (abs === 0) return "0s";
  if (abs < 1e-3) return `${round3(seconds * 1e6)}us`;
  if (abs < 1) return `${round3(seconds * 1e3)}ms`;
  if (abs < 120) return `${round3(seconds)}s`;
  if (abs < 7200) return `${round3(seconds / 60)}m`;
  if (abs < 172_800) return `${round3(seconds / 3600)}h`;
  return `${round3(seconds / 86_400)}d`;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
