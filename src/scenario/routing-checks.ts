/** Checks of each tenant's `routing` that need the regions and models: names that must exist, residency that leaves something to serve. */
import type { PathSegment } from "./issues.js";
import { unknownName } from "./issues.js";
import type { Scenario } from "./schema.js";

type Report = (path: PathSegment[], message: string) => void;

/** Name of the one region the fleet plan makes when the scenario lists none (fleet/topology.ts). */
const IMPLICIT_REGION_NAME = "default";

export function checkRouting(scenario: Scenario, report: Report): void {
  const regionNames = scenario.regions?.map((r) => r.name) ?? [IMPLICIT_REGION_NAME];
  scenario.workload.tenants.forEach((tenant, i) => {
    const routing = tenant.routing;
    const path: PathSegment[] = ["workload", "tenants", i, "routing"];
    const model = scenario.models.find((m) => m.name === tenant.model);
    // As the fleet plan deploys it: in the model's listed regions that exist, else in all. Unknown model: checkScenario says so.
    const servingRegions = model === undefined ? undefined : (model.regions ?? regionNames).filter((name) => regionNames.includes(name));

    const allowed = routing.allowed_regions;
    if (allowed !== undefined) {
      allowed.forEach((name, k) => {
        if (!regionNames.includes(name)) report([...path, "allowed_regions", k], unknownName("region", name, regionNames));
      });
      if (servingRegions !== undefined && allowed.some((name) => regionNames.includes(name)) && !allowed.some((name) => servingRegions.includes(name))) {
        report(
          [...path, "allowed_regions"],
          `none of these regions serves model '${tenant.model}' (it is deployed in ${servingRegions.length > 0 ? servingRegions.join(", ") : "no region"}), so every request would be refused for residency`,
        );
      }
    }

    const weights = routing.weights;
    if (routing.mode === "weighted" && (weights === undefined || Object.keys(weights).length === 0)) {
      report([...path, "weights"], "mode `weighted` needs `weights`: region -> relative share of the tenant's requests");
    }
    for (const name of Object.keys(weights ?? {})) {
      if (!regionNames.includes(name)) report([...path, "weights", name], unknownName("region", name, regionNames));
      else if (servingRegions !== undefined && !servingRegions.includes(name)) {
        report([...path, "weights", name], `region '${name}' does not serve model '${tenant.model}', so this weight is never used`);
      } else if (allowed !== undefined && !allowed.includes(name)) {
        report([...path, "weights", name], `region '${name}' is not in allowed_regions, so this weight is never used`);
      }
    }
  });
}
