/** Which file a built worker starts from: its bundle (`npm run build`) unless a later tsc left it stale. */
import { mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { builtWorker } from "../src/threads.js";

describe("builtWorker", () => {
  const dir = mkdtempSync(join(tmpdir(), "fleetsim-threads-"));
  const caller = pathToFileURL(join(dir, "caller.js")).href;
  const at = (file: string, seconds: number) => {
    writeFileSync(join(dir, file), "");
    utimesSync(join(dir, file), seconds, seconds);
  };
  const chosen = (module: string) => builtWorker(caller, module).pathname.split("/").pop();

  it("takes the bundle when it is as new as the module or newer", () => {
    at("w.js", 1000);
    at("w.bundle.js", 1000);
    expect(chosen("./w")).toBe("w.bundle.js");
    at("w.bundle.js", 2000);
    expect(chosen("./w")).toBe("w.bundle.js");
  });

  it("takes the module when the bundle is missing or older (dist rebuilt by tsc alone)", () => {
    at("x.js", 1000);
    expect(chosen("./x")).toBe("x.js");
    at("y.js", 2000);
    at("y.bundle.js", 1000);
    expect(chosen("./y")).toBe("y.js");
  });
});
