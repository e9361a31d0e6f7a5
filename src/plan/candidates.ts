/**
 * `--candidates FILE`: the configurations a plan compares, as YAML:
 *
 *   - name: h100-tp1
 *     set:
 *       models[0].gpu: h100-sxm
 *       models[0].tensor_parallel: 1
 *   - name: l40s-tp2
 *     set: { "models[0].gpu": l40s, "models[0].tensor_parallel": 2 }
 *
 * (In YAML's flow style `{ ... }` a key with brackets must be quoted; in block style it need not be.)
 * Each `set` entry is a `--set PATH=VALUE` applied on top of the command line's. Problems are listed
 * all at once with file:line:col, like a scenario's.
 */
import { isMap, isScalar, isSeq, LineCounter, parse as parseYaml, parseDocument, type Node } from "yaml";
import { ScenarioError, parsePath, type ScenarioIssue } from "../scenario/issues.js";
import { readSourceFile } from "../scenario/load.js";

export interface Candidate {
  name: string;
  /** field path -> value, as written */
  set: Record<string, unknown>;
  /** the same as `--set` texts, in the order written */
  sets: string[];
}

/** `path=value` that parseOverride reads back as the same value: plain for a string YAML keeps a string, JSON otherwise. */
export function overrideText(path: string, value: unknown): string {
  const plain = typeof value === "string" && !value.includes("\n") && safeParse(value) === value;
  return `${path}=${plain ? value : JSON.stringify(value)}`;
}

function safeParse(text: string): unknown {
  try {
    return parseYaml(text);
  } catch {
    return undefined;
  }
}

export function readCandidates(file: string): Candidate[] {
  const text = readSourceFile(file);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const issues: ScenarioIssue[] = [];
  const at = (node: Node | null | undefined, path: string, message: string) => {
    const offset = node?.range?.[0];
    const pos = offset === undefined ? {} : lines.linePos(offset);
    issues.push({ file, ...pos, path, message });
  };
  // The first syntax error only: the rest of a broken file mostly echoes it.
  const syntax = doc.errors[0];
  if (syntax) throw new ScenarioError([{ file, ...lines.linePos(syntax.pos[0]), path: "", message: `YAML syntax error: ${syntax.message.split("\n")[0]}` }]);
  const root = doc.contents;
  if (!isSeq(root) || root.items.length === 0) {
    at(root, "", "expected a list of candidates: - { name: NAME, set: { PATH: VALUE, ... } }");
    throw new ScenarioError(issues);
  }
  const candidates: Candidate[] = [];
  const names = new Set<string>();
  root.items.forEach((item, i) => {
    const where = `[${i}]`;
    if (!isMap(item)) return at(item as Node, where, "expected a mapping with name and set");
    for (const pair of item.items) {
      const key = isScalar(pair.key) ? pair.key.value : undefined;
      if (key !== "name" && key !== "set") at(pair.key as Node, `${where}.${String(key)}`, `unknown key '${String(key)}' (a candidate has name and set)`);
    }
    const nameNode = item.get("name", true);
    const name: unknown = isScalar(nameNode) ? nameNode.value : undefined;
    if (typeof name !== "string" || name.trim() === "") at(nameNode ?? item, `${where}.name`, "expected a name (a non-empty string)");
    else if (names.has(name)) at(nameNode, `${where}.name`, `candidate '${name}' is named twice`);
    else names.add(name);
    const setNode = item.get("set", true);
    const set: Record<string, unknown> = {};
    if (setNode !== undefined && !isMap(setNode)) at(setNode as Node, `${where}.set`, "expected a mapping of field path to value, e.g. { models[0].gpu: l40s }");
    else if (setNode) {
      for (const pair of setNode.items) {
        const path = isScalar(pair.key) ? pair.key.value : undefined;
        if (typeof path !== "string" || !parsePath(path)) {
          at(pair.key as Node, `${where}.set`, `malformed field path ${JSON.stringify(path)} (expected e.g. models[0].replicas.initial)`);
          continue;
        }
        set[path] = (pair.value as Node | null)?.toJSON() ?? null;
      }
    }
    if (typeof name === "string") candidates.push({ name, set, sets: Object.entries(set).map(([path, value]) => overrideText(path, value)) });
  });
  if (issues.length > 0) throw new ScenarioError(issues);
  return candidates;
}
