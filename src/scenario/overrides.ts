/** `--set path=value`: command-line overrides applied to the YAML document before validation. */
import { isCollection, isMap, isSeq, parse as parseYaml, type Document } from "yaml";
import { parsePath, WILDCARD, type PathSegment } from "./issues.js";
import { FORBIDDEN_KEYS } from "./source.js";

export interface Override {
  /** the text as given, for messages */
  text: string;
  path: PathSegment[];
  value: unknown;
}

/** Parses "a.b[0].c=value"; the value is read as YAML, so 7 is a number and "5m" a string. */
export function parseOverride(text: string): Override | string {
  const eq = text.indexOf("=");
  if (eq <= 0) return `expected path=value, got ${JSON.stringify(text)}`;
  const path = parsePath(text.slice(0, eq).trim());
  if (!path) return `malformed field path ${JSON.stringify(text.slice(0, eq))} (expected e.g. workload.tenants[0].arrival.rate_per_s, or regions[*].azs[*].servers.type for every element)`;
  const forbidden = path.find((segment) => typeof segment === "string" && FORBIDDEN_KEYS.has(segment));
  if (forbidden !== undefined) return `the key '${forbidden}' is not allowed (it names a JavaScript object's internals; no scenario field or name uses it)`;
  const raw = text.slice(eq + 1);
  let value: unknown;
  try {
    value = parseYaml(raw);
  } catch {
    value = raw;
  }
  return { text, path, value: value === null && raw.trim() === "" ? "" : value };
}

/** Every concrete path a path with `[*]` segments names in this document (the path itself when it has none). */
function expandWildcards(doc: Document, path: readonly PathSegment[]): PathSegment[][] | string {
  const star = path.indexOf(WILDCARD);
  if (star < 0) return [[...path]];
  const list = doc.getIn(path.slice(0, star), true);
  if (!isSeq(list)) return `${JSON.stringify(String(path[star - 1] ?? ""))} is not a list, so [*] cannot range over it`;
  const out: PathSegment[][] = [];
  for (let i = 0; i < list.items.length; i++) {
    const expanded = expandWildcards(doc, [...path.slice(0, star), i, ...path.slice(star + 1)]);
    if (typeof expanded === "string") return expanded;
    out.push(...expanded);
  }
  return out;
}

/** Sets the override's value in the document (at every element a `[*]` ranges over); returns a message if the path cannot hold it. */
export function applyOverride(doc: Document, override: Override): string | undefined {
  const paths = expandWildcards(doc, override.path);
  if (typeof paths === "string") return paths;
  for (const path of paths) {
    const problem = applyAt(doc, path, override.value);
    if (problem) return problem;
  }
  return undefined;
}

function applyAt(doc: Document, path: PathSegment[], value: unknown): string | undefined {
  for (let i = 0; i < path.length - 1; i++) {
    const node = doc.getIn(path.slice(0, i + 1), true);
    if (node === undefined) break;
    if (!isCollection(node)) return `cannot set inside ${JSON.stringify(String(path[i]))}: it is not a mapping or a list`;
  }
  const parentPath = path.slice(0, -1);
  const parent = parentPath.length === 0 ? doc.contents : doc.getIn(parentPath, true);
  const last = path[path.length - 1];
  if (typeof last === "number") {
    if (!isSeq(parent)) return `${JSON.stringify(String(path[path.length - 2] ?? ""))} is not a list`;
    if (last > parent.items.length) return `index ${last} is past the end of the list (it has ${parent.items.length} items)`;
  } else if (parent !== undefined && parent !== null && !isMap(parent)) {
    return `cannot set key '${last}': its parent is not a mapping`;
  }
  doc.setIn(path, doc.createNode(value));
  return undefined;
}
