/** Limits on counts, sizes and durations, and the checks of the YAML source, in process (the corpus test runs the CLI). */
import { describe, expect, it } from "vitest";
import { loadScenarioText, ScenarioError, validateScenarioObject } from "../../src/index.js";
import { scenarioJsonSchema } from "../../src/scenario/json-schema.js";
import fc from "fast-check";
import { formatLimit, LIMITS } from "../../src/scenario/limits.js";
import { parseOverride } from "../../src/scenario/overrides.js";
import { firstInvalidUtf8, tooDeepFlow } from "../../src/scenario/source.js";

const BASE = `version: 1
name: limits
duration: 60s
models:
  - name: svc
    engine: { kind: queue, service_time: { dist: fixed, value: 1s } }
    replicas: { initial: 1 }
workload:
  tenants:
    - { name: t, model: svc, arrival: { kind: poisson, rate_per_s: 1 } }
`;

/** The messages loading this text gives ([] when it is valid). */
function problems(text: string, sets: string[] = []): string[] {
  try {
    loadScenarioText(text, "s.yaml", { sets });
    return [];
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    return error.issues.map((i) => `${i.line ?? "-"}:${i.col ?? "-"} ${i.path}: ${i.message}`);
  }
}

describe("limits", () => {
  it("accepts a value at its limit and refuses one past it, saying which limit", () => {
    expect(problems(BASE.replace("initial: 1", "initial: 100000"))).toEqual([]);
    expect(problems(BASE.replace("initial: 1", "initial: 100001"))).toEqual([
      "7:26 models[0].replicas.initial: expected at most 100,000 (the limit on replicas per model in a region), got 100001",
    ]);
    expect(problems(BASE.replace("duration: 60s", "duration: 400d\nreport: { interval: 6m }"))).toEqual([]);
    expect(problems(BASE, ["duration=400.001d"])).toEqual([
      "-:- duration: expected a duration of at most 400d (34,560,000 s, the limit on durations), got \"400.001d\"",
    ]);
    expect(problems(BASE.replace("rate_per_s: 1 }", "rate_per_s: 1000000 }"))).toEqual([]);
    expect(problems(BASE.replace("rate_per_s: 1 }", "rate_per_s: 1000001 }"))[0]).toMatch(/rate_per_s: expected at most 1,000,000 \(the limit on requests per second of one tenant\)/);
  });

  it("bounds products that no single field's limit bounds", () => {
    const regions = (n: number) => `regions:\n${Array.from({ length: n }, (_, i) => `  - { name: r${i}, azs: [{ name: r${i}-a, servers: { type: p5.48xlarge, count: 0 } }] }`).join("\n")}\n`;
    // 10 regions x 100,000 replicas is the limit exactly; 11 regions pass it.
    expect(problems(BASE.replace("initial: 1", "initial: 100000") + regions(10))).toEqual([]);
    expect(problems(BASE.replace("initial: 1", "initial: 100000") + regions(11))).toEqual([
      "7:15 models[0].replicas: the models up to here run up to (replicas x regions) 1,100,000, more than 1,000,000 (the limit on replicas of all models and regions at their maximum): simulate a share of the fleet and scale the results",
    ]);
    // A day at 1 M requests/s is 8.64e10 requests; a day at 100,000/s fits.
    expect(problems(BASE.replace("duration: 60s", "duration: 1d").replace("rate_per_s: 1 }", "rate_per_s: 100000 }"))).toEqual([]);
    expect(problems(BASE.replace("duration: 60s", "duration: 1d").replace("rate_per_s: 1 }", "rate_per_s: 1000000 }"))[0]).toMatch(
      /the tenants would send about \(rate x time, all tenants\) 86,400,000,000, more than 10,000,000,000/,
    );
  });

  it("shows each limit in the field's documentation (the JSON Schema)", () => {
    const schema = JSON.stringify(scenarioJsonSchema());
    expect(schema).toContain("replicas running at the start, per region (at most 100,000)");
    expect(schema).toContain(`at most ${LIMITS.duration.max / 86_400}d`);
  });
});

describe("the YAML source", () => {
  it("refuses NaN, infinities and keys naming object internals, in the file and in --set", () => {
    expect(problems(BASE.replace("duration: 60s", "duration: .inf"))).toEqual([
      '3:11 duration: expected a finite number, got ".inf" (infinite): NaN and infinities are not allowed',
    ]);
    expect(problems(`${BASE}server_types:\n  __proto__: { gpu: h100-sxm, gpus: 8 }\n`)[0]).toMatch(/^12:3 server_types.__proto__: the key '__proto__' is not allowed/);
    expect(parseOverride("models[0].constructor.x=1")).toMatch(/the key 'constructor' is not allowed/);
  });

  it("refuses an alias bomb at its first alias instead of expanding it", () => {
    const bomb = `${BASE}a: &a [x, x, x, x, x, x, x, x, x, x]\n${Array.from({ length: 8 }, (_, i) => `${"bcdefghi"[i]}: &${"bcdefghi"[i]} [${Array(10).fill(`*${"abcdefgh"[i]}`).join(", ")}]`).join("\n")}\n`;
    expect(problems(bomb)).toEqual([expect.stringMatching(/^12:8 : too many alias expansions/)]); // the first *a
    // A few aliases are fine (and expanded).
    const twoTenants = BASE.replace("rate_per_s: 1 } }", "rate_per_s: &r 1 } }\n    - { name: u, model: svc, arrival: { kind: poisson, rate_per_s: *r } }");
    expect(problems(twoTenants)).toEqual([]);
  });

  it("finds deep flow nesting without parsing, skipping brackets inside quotes and comments", () => {
    expect(tooDeepFlow("a: " + "[".repeat(64) + "]".repeat(64))).toBe(-1);
    expect(tooDeepFlow("a: " + "[".repeat(65))).toBe(3 + 64);
    expect(tooDeepFlow(`a: "${"[".repeat(100)}"\nb: '${"{".repeat(100)}'\n# ${"[".repeat(100)}\n`)).toBe(-1);
    expect(tooDeepFlow(`a: it's ${"[".repeat(65)}`)).toBeGreaterThan(0); // an apostrophe inside a word opens no quote
  });

  it("finds the first byte of ill-formed UTF-8: stray continuation, overlong form, surrogate, cut sequence", () => {
    const at = (...bytes: number[]) => firstInvalidUtf8(Uint8Array.from(bytes));
    expect(at(0x61, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80)).toBe(-1);
    expect(at(0x61, 0x80)).toBe(1);
    expect(at(0x61, 0xc0, 0xaf)).toBe(1);
    expect(at(0xed, 0xa0, 0x80)).toBe(0);
    expect(at(0x61, 0x62, 0xe2, 0x82)).toBe(2);
  });
});

describe("scenario objects (the library API)", () => {
  it("refuses NaN, __proto__ keys made by JSON.parse and cyclic objects with a path, not a crash", () => {
    const base = { version: 1, name: "x", duration: 60 };
    const message = (input: unknown) => {
      try {
        validateScenarioObject(input);
        return "valid";
      } catch (error) {
        if (!(error instanceof ScenarioError)) throw error;
        return error.message;
      }
    };
    expect(message({ ...base, duration: Number.NaN })).toBe("(scenario): duration: expected a finite number, got NaN: NaN and infinities are not allowed");
    expect(message(JSON.parse('{"version": 1, "name": "x", "duration": 60, "server_types": {"__proto__": {"gpu": "h100-sxm", "gpus": 8}}}'))).toMatch(
      /^\(scenario\): server_types.__proto__: the key '__proto__' is not allowed/,
    );
    const cyclic: Record<string, unknown> = { ...base };
    cyclic.description = cyclic;
    expect(message(cyclic)).toMatch(/nested more than 64 levels deep, or cyclic/);
  });
});

describe("formatLimit", () => {
  it("writes every limit, byte counts and decimals as en-US grouping does", () => {
    const values = [...Object.values(LIMITS).map((l) => l.max), 0, 7, 999, 1000, 1024 ** 3, 0.01, 0.5, 2.25, 1234.5678];
    for (const value of values) expect(formatLimit(value)).toBe(value >= 1e12 ? value.toExponential().replace("e+", "e") : value.toLocaleString("en-US"));
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e12 - 1 }), (n) => formatLimit(n) === n.toLocaleString("en-US")));
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 0, max: 999 }), (n, m) => formatLimit(n + m / 1000) === (n + m / 1000).toLocaleString("en-US")));
  });
});
