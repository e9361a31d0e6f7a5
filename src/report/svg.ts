/**
 * Vega-Lite charts rendered to SVG in Node (compile -> Vega view without a renderer -> toSVG), so a
 * page that shows them needs no script. The Vega libraries are loaded on first use only.
 */
export type ChartSpec = Record<string, unknown>;

let libraries: Promise<[typeof import("vega"), typeof import("vega-lite")]> | undefined;

/**
 * Vega and Vega-Lite, loaded once (about half a second). `fleetsim run` starts loading them while
 * its worker thread simulates, so report.html does not wait for them after the simulation.
 */
export function chartLibraries(): Promise<[typeof import("vega"), typeof import("vega-lite")]> {
  return (libraries ??= Promise.all([import("vega"), import("vega-lite")]));
}

export async function renderSvg(spec: ChartSpec): Promise<string> {
  const [vega, vl] = await chartLibraries();
  const compiled = vl.compile(spec as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
