/**
 * Vega-Lite charts rendered to SVG in Node (compile -> Vega view without a renderer -> toSVG), so a
 * page that shows them needs no script. The Vega libraries are loaded on first use only.
 */
export type ChartSpec = Record<string, unknown>;

export async function renderSvg(spec: ChartSpec): Promise<string> {
  const [vega, vl] = await Promise.all([import("vega"), import("vega-lite")]);
  const compiled = vl.compile(spec as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
