import { scenarioJsonSchema } from "../scenario/json-schema.js";

export function schemaCommand(): void {
  process.stdout.write(JSON.stringify(scenarioJsonSchema(), null, 2) + "\n");
}
