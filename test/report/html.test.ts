/** The HTML report needs no script: its charts are SVG rendered in Node, its text is escaped. */
import { describe, expect, it } from "vitest";
import { simulate } from "../../src/index.js";
import { htmlReport } from "../../src/report/html.js";
import { queueScenario } from "../support/scenarios.js";

describe("report.html", async () => {
  const result = simulate(queueScenario({ c: 2, lambda: 1.5, service: { dist: "exponential", mean: 1 }, durationS: 3600 }));
  const html = await htmlReport(result.report, result.timeseries, 60);

  it("has no script and loads nothing from the network", () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link[^>]+href=/);
    expect(html).not.toMatch(/src="http/);
  });

  it("renders every chart to an SVG with marks, or says there is no data", () => {
    const figures = html.match(/<figure class="chart"[\s\S]*?<\/figure>/g) ?? [];
    expect(figures.length).toBeGreaterThanOrEqual(6);
    let drawn = 0;
    for (const figure of figures) {
      if (figure.includes("no data")) continue;
      expect(figure).toMatch(/<svg/);
      expect(figure).toMatch(/<path|<rect|<line/);
      drawn++;
    }
    expect(drawn).toBeGreaterThanOrEqual(4);
    // Words, not column names, in the legends.
    expect(html).not.toContain("requests_per_s</text>");
    expect(html).toContain("completed per second");
  });

  it("stays light: well under the 866 KB of inlined JavaScript the page used to carry", () => {
    expect(html.length).toBeLessThan(400_000);
  });
});
