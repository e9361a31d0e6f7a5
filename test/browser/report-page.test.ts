/**
 * report.html and sweep.html in a real browser (Debian's chromium driven by playwright-core; .ci/run installs it):
 * every chart is an SVG with marks, the page logs no error and asks the network for nothing, and
 * hostile text from a scenario shows as text. Screenshots go to test-output/browser/.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, runCli } from "../support/cli.js";

const CHROMIUM = "/usr/bin/chromium";
const SHOTS = join(REPO_ROOT, "test-output", "browser");
const HOSTILE_1 = "<script>alert(1)</script>";
const HOSTILE_2 = '"><img src=x onerror=alert(2)>';

const HOSTILE_SCENARIO = `version: 1
name: '${HOSTILE_1}'
description: '${HOSTILE_2}'
duration: 10m
regions:
  - name: r1
    geo: '${HOSTILE_2}'
    azs:
      - { name: r1a, servers: { type: p5.48xlarge, count: 1 } }
models:
  - name: chat
    model:
      id: '${HOSTILE_1}'
      layers: 32
      hidden: 4096
      heads: 32
      kv_heads: 8
      head_dim: 128
      ffn: 14336
      vocab: 128256
      max_context: 131072
    replicas: { initial: 2 }
workload:
  tenants:
    - { name: app, model: chat, arrival: { kind: poisson, rate_per_s: 2 } }
`;

async function open(browser: Browser, file: string, shot: string) {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const problems: string[] = [];
  const requests: string[] = [];
  const dialogs: string[] = [];
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  page.on("pageerror", (e) => problems.push(String(e)));
  page.on("request", (r) => !r.url().startsWith("file://") && requests.push(r.url()));
  page.on("dialog", async (d) => {
    dialogs.push(d.message());
    await d.dismiss();
  });
  await page.goto(`file://${file}`);
  await page.waitForLoadState("load");
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, shot), fullPage: true });
  return { page, problems, requests, dialogs };
}

describe("report.html in a browser", () => {
  let browser: Browser;
  const dir = mkdtempSync(join(tmpdir(), "fleetsim-browser-"));

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it("draws every chart of the AZ-outage report as an SVG with marks, with no console error and no network request", async () => {
    const out = join(dir, "az");
    expect(runCli(["run", "scenarios/az-outage-2az.yaml", "--out", out, "--quiet"]).code).toBe(0);
    const { page, problems, requests } = await open(browser, join(out, "report.html"), "az-outage-2az.png");
    const charts = await page.$$eval("figure.chart", (figures) =>
      figures.map((f) => ({ name: f.getAttribute("data-chart"), svg: f.querySelector("svg") !== null, marks: f.querySelectorAll("svg path, svg rect, svg line").length, noData: (f.textContent ?? "").includes("no data") })),
    );
    expect(charts.length).toBeGreaterThanOrEqual(6);
    for (const chart of charts) {
      if (chart.noData) continue;
      expect(chart.svg, String(chart.name)).toBe(true);
      expect(chart.marks, String(chart.name)).toBeGreaterThan(3);
    }
    expect(await page.$$("script")).toHaveLength(0);
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  }, 120_000);

  it("draws sweep.html's charts as SVG with marks, with no script, console error or network request", async () => {
    const out = join(dir, "sweep");
    const sweep = runCli(["sweep", "scenarios/mmc.yaml", "--set", "duration=300s", "--set", "warmup=30s", "--grid", "models[0].replicas.initial=7,8,10", "--seeds", "2", "--jobs", "1", "--out", out, "--quiet"]);
    expect(sweep.stderr).toBe("");
    expect(sweep.code).toBe(0);
    const { page, problems, requests } = await open(browser, join(out, "sweep.html"), "sweep.png");
    const svgs = await page.$$eval("svg", (all) => all.map((svg) => svg.querySelectorAll("path, rect, line").length));
    expect(svgs.length).toBeGreaterThan(3);
    for (const marks of svgs) expect(marks).toBeGreaterThan(3);
    expect(await page.$$("script")).toHaveLength(0);
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  }, 120_000);

  it("shows hostile text from a scenario as text, running none of it", async () => {
    const file = join(dir, "hostile.yaml");
    writeFileSync(file, HOSTILE_SCENARIO);
    const out = join(dir, "hostile");
    const run = runCli(["run", file, "--out", out, "--quiet"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const { page, problems, requests, dialogs } = await open(browser, join(out, "report.html"), "hostile.png");
    const text = await page.textContent("body");
    expect(text).toContain(HOSTILE_1);
    expect(text).toContain(HOSTILE_2);
    expect(await page.$$("body script, body img")).toHaveLength(0);
    expect(dialogs).toEqual([]);
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  }, 120_000);

  it("its Content-Security-Policy blocks a script and a remote image smuggled into the page, and keeps the page's own styles", async () => {
    const out = join(dir, "csp");
    expect(runCli(["run", "scenarios/mmc.yaml", "--set", "duration=300s", "--set", "warmup=30s", "--out", out, "--quiet"]).code).toBe(0);
    // What escaping would have to miss for this to reach a page; the policy is the second line of defence.
    const smuggled = '<script>document.title = "ran"; alert(3)</script><img src="http://127.0.0.1:9/pixel.png">';
    const file = join(out, "smuggled.html");
    writeFileSync(file, readFileSync(join(out, "report.html"), "utf8").replace("<body>", `<body>${smuggled}`));
    const { page, problems, dialogs } = await open(browser, file, "csp.png");
    expect(await page.title()).not.toBe("ran");
    expect(dialogs).toEqual([]);
    // Chromium reports the image as a request that then fails with "csp": it never leaves the browser.
    const blocked = (what: RegExp) => expect(problems.some((p) => what.test(p) && /violates the following Content Security Policy/.test(p)), problems.join("\n")).toBe(true);
    blocked(/inline script/);
    blocked(/Loading the image 'http:\/\/127\.0\.0\.1:9\/pixel\.png'/);
    expect(await page.evaluate("getComputedStyle(document.body).maxWidth")).toBe("1100px");
    await page.close();
  }, 120_000);
});
