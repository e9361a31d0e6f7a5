/** The committed copies of third-party traces (see scenarios/traces/README.md for sources and licenses). */
import { fileURLToPath } from "node:url";

export const TRACES = fileURLToPath(new URL("../../scenarios/traces", import.meta.url));
