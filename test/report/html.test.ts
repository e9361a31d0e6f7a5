/** The HTML report is self-contained and its charts compile and render (in Node, through Vega's headless view). */
import { describe, expect, it } from "vitest";
import * as vega from "vega";
import * as vl from "vega-lite";
import { simulate } from "../../src/index.js";
import { htmlReport } from "../../src/report/html.js";
import { queueScenario } from "../support/scenarios.js";

describe("report.html", () => {
  const result = simulate(queueScenario({ c: 2, lambda: 1.5, service: { dist: "exponential", mean: 1 }, durationS: 3600 }));
  const html = htmlReport(result.report, result.timeseries);

  it("loads nothing from the network and inlines the Vega libraries", () => {
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+href=/);
    expect(html).toContain("vegaEmbed(");
    // Only the closing tags of the four inline scripts (three libraries, one chart loader) remain.
    expect(html.match(/<\/script>/g)?.length).toBe(4);
  });

  it("renders every chart to SVG with data", async () => {
    const specs = JSON.parse(/const charts = (.*);\n/.exec(html)![1]) as vl.TopLevelSpec[];
    expect(specs.length).toBeGreaterThanOrEqual(4);
    for (const spec of specs) {
      const compiled = vl.compile({ ...spec, width: 600 } as vl.TopLevelSpec).spec;
      const view = new vega.View(vega.parse(compiled), { renderer: "none" });
      const svg = await view.toSVG();
      expect(svg).toMatch(/<svg/);
      expect(svg).toMatch(/<path|<rect/);
      view.finalize();
    }
  });
});
