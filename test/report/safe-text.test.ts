/**
 * Text from a scenario, a candidates file or a compared report reaches readers as text: in Markdown
 * (summary.md, plan.md, compare; posted as pull-request comments) it renders no HTML, link, image or
 * code fence and breaks no table; in CSV it runs no spreadsheet formula; in JUnit it keeps the XML
 * valid; report.html and sweep.html forbid scripts and fetches by their Content-Security-Policy.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { simulate } from "../../src/index.js";
import { escapeMarkdown, markdownCode, summaryMarkdown } from "../../src/report/markdown.js";
import { compareReports, comparisonMarkdown } from "../../src/report/compare.js";
import { csvLine, csvSafe } from "../../src/report/csv.js";
import { CONTENT_SECURITY_POLICY, htmlReport } from "../../src/report/html.js";
import { junitXml, xml } from "../../src/cli/check.js";
import { planCapacity } from "../../src/plan/plan.js";
import { planMarkdown } from "../../src/plan/write.js";
import { sweepHtml } from "../../src/sweep/charts.js";

const IMG = '<img src=x onerror="alert(1)">';
const PIXEL = "![seen](https://tracker.example/pixel.png)";
const LINK = "[click me](https://evil.example)";
const HOSTILE = `${IMG} ${PIXEL} ${LINK} a | b \`code\` \u001b[31m`;
const HOSTILE_DESCRIPTION = `first line\n# All thresholds passed\n\`\`\`\n<details><summary>x</summary>\n- item\n${PIXEL}`;

/** What a Markdown renderer would turn into HTML or a link: a tag, a bracketed link or image, a code fence. */
function expectInert(markdown: string): void {
  expect(markdown).not.toMatch(/<(img|details|script|a)\b/i);
  // [text](url) with unescaped brackets, outside code spans (which show their text as it is)
  const outsideCode = markdown.replace(/(?<!\\)`[^`\n]*`/g, "");
  expect(outsideCode).not.toMatch(/(^|[^\\])\[[^\]]*(^|[^\\])\]\(/m);
  expect(markdown).not.toMatch(/^\s*```/m);
  expect(markdown).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
}

const SCENARIO = {
  version: 1,
  name: HOSTILE,
  description: HOSTILE_DESCRIPTION,
  duration: "60s",
  models: [{ name: "svc", engine: { kind: "queue", service_time: { dist: "fixed", value: "10ms" } }, router: { kind: "round_robin" } }],
  workload: { tenants: [{ name: "t", model: "svc", arrival: { kind: "poisson", rate_per_s: 5 } }] },
  thresholds: { ttft: ["p(99) < 2s"] },
};

describe("Markdown", () => {
  it("escapes HTML, links, images, code and table bars, and leaves plain names and expressions alone", () => {
    const escaped = escapeMarkdown(HOSTILE);
    expectInert(escaped);
    expect(escaped).toContain("&lt;img");
    expect(escaped).toContain("!\\[seen\\](https://tracker.example/pixel.png)");
    expect(escaped).toContain("a \\| b \\`code\\`");
    for (const plain of ["llama-3.1_70b", "us-east-1a", "p(99) < 2s", "value >= 99.9%", "2 * 3"]) expect(escapeMarkdown(plain)).toBe(plain);
    expect(escapeMarkdown("a\nb")).toBe("a b");
    expect(escapeMarkdown("&lt;b&gt; & co")).toBe("&amp;lt;b&amp;gt; & co");
  });

  it("keeps a description's lines but escapes their leading block markers", () => {
    const escaped = escapeMarkdown(HOSTILE_DESCRIPTION, { multiline: true });
    expectInert(escaped);
    expect(escaped.split("\n")).toEqual(["first line", "\\# All thresholds passed", "\\`\\`\\`", "&lt;details>&lt;summary>x&lt;/summary>", "\\- item", "!\\[seen\\](https://tracker.example/pixel.png)"]);
  });

  it("writes a code span unless the text holds a backtick", () => {
    expect(markdownCode("out/a|b.json", { tableCell: true })).toBe("`out/a\\|b.json`");
    expect(markdownCode("<b>")).toBe("`<b>`");
    expect(markdownCode("a`b")).toBe("a\\`b");
  });

  it("summary.md of a scenario with a hostile name and description renders none of it", () => {
    const result = simulate(SCENARIO);
    const summary = summaryMarkdown(result.report);
    expectInert(summary);
    expect(summary.split("\n")[0]).toBe(`# ${escapeMarkdown(HOSTILE)}`);
    expect(summary).toContain("\\# All thresholds passed");
    expect(summary).toContain("- pass: ttft p(99) < 2s");
  });

  it("compare's Markdown escapes what the two reports say (a report may come from a pull request)", () => {
    const { report } = simulate(SCENARIO);
    const other = structuredClone(report);
    other.availability.by_region[IMG] = other.availability.by_region[Object.keys(other.availability.by_region)[0]];
    const markdown = comparisonMarkdown(compareReports(report, other, { a: "a`/report.json", b: `${LINK}/report.json` }, 1));
    expectInert(markdown);
    expect(markdown).toContain("uptime &lt;img");
  });

  it("plan.md escapes candidate names from the candidates file", () => {
    const dir = mkdtempSync(join(tmpdir(), "fleetsim-safe-plan-"));
    const file = join(dir, "plan.yaml");
    writeFileSync(file, JSON.stringify(SCENARIO));
    const plan = planCapacity({ scenario: file, vary: "models[0].replicas.initial", min: 1, max: 2, candidates: [{ name: HOSTILE, set: {}, sets: [] }] });
    const markdown = planMarkdown(plan);
    expectInert(markdown);
    expect(markdown).toContain(escapeMarkdown(HOSTILE));
  });
});

describe("CSV", () => {
  it("defuses cells a spreadsheet would run as formulas and leaves numbers alone", () => {
    expect(csvSafe("=HYPERLINK(\"http://evil\")")).toBe("'=HYPERLINK(\"http://evil\")");
    expect(csvSafe("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvSafe("+cmd")).toBe("'+cmd");
    expect(csvSafe("-x")).toBe("'-x");
    expect(csvSafe("\t=1+1")).toBe("'\t=1+1");
    for (const number of ["-0.5", "+3", "-1e-3", "12"]) expect(csvSafe(number)).toBe(number);
    expect(csvLine(["=1+1", "a,b", "-2"])).toBe("'=1+1,\"a,b\",-2");
  });
});

describe("JUnit XML", () => {
  it("escapes markup and shows characters XML forbids as text", () => {
    expect(xml(`<a href="x">&'\u0001\ud800`)).toBe("&#60;a href=&#34;x&#34;&#62;&#38;&#39;\\u0001\\ud800");
    expect(xml("tab\there\nline")).toBe("tab&#9;here&#10;line");
    expect(xml("😀")).toBe("😀");
  });

  it("a hostile scenario name leaves the file well-formed", () => {
    const { report } = simulate(SCENARIO);
    const junit = junitXml(report);
    expect(junit).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    expect(junit).toContain('testsuite name="&#60;img src=x onerror=&#34;alert(1)&#34;&#62;');
  });
});

describe("HTML pages", () => {
  const policyTag = `<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">`;

  it("report.html carries a Content-Security-Policy that allows no script and no fetch, before any content", async () => {
    const result = simulate(SCENARIO);
    const page = await htmlReport(result.report, result.timeseries, result.run.scenario.report.interval);
    expect(CONTENT_SECURITY_POLICY).toMatch(/default-src 'none'/);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/script-src|unsafe-eval|https?:/);
    expect(page.indexOf(policyTag)).toBeGreaterThan(0);
    expect(page.indexOf(policyTag)).toBeLessThan(page.indexOf("<style>"));
    expect(page).not.toContain(IMG);
  });

  it("sweep.html carries the same policy", async () => {
    const page = await sweepHtml({ scenario: { file: "s.yaml", name: HOSTILE, sha256: "0" }, sets: [], axes: [], seeds: { first: 1, count: 1 } }, []);
    expect(page).toContain(policyTag);
    expect(page).not.toContain(IMG);
  });
});
