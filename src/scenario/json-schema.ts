/** The scenario format as JSON Schema, generated from the zod schema (the input side: defaults not required). */
import { z } from "zod";
import { ScenarioSchema } from "./schema.js";

export function scenarioJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(ScenarioSchema, { io: "input", unrepresentable: "any" }),
    $id: "https://fleetsim.dev/schema/scenario-v1.json",
    title: "fleetsim scenario",
  };
}
