/** Turns zod's validation issues into messages a scenario author can act on. */
import type { z } from "zod";
import { closestMatch, type PathSegment } from "./issues.js";
import { quote } from "./limits.js";

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
  getter?: () => z.ZodType;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

const WRAPPERS = new Set(["optional", "default", "prefault", "nullable", "readonly", "catch", "nonoptional"]);

function unwrap(schema: z.ZodType): z.ZodType {
  for (;;) {
    const def = defOf(schema);
    if (WRAPPERS.has(def.type) && def.innerType) schema = def.innerType;
    else if (def.type === "pipe" && def.in) schema = def.in;
    else if (def.type === "lazy" && def.getter) schema = def.getter();
    else return schema;
  }
}

/** The object schema a union would use for this data (by discriminator, else the first object option). */
function resolveUnion(schema: z.ZodType, data: unknown): z.ZodType | undefined {
  const def = defOf(schema);
  const objects = (def.options ?? []).map(unwrap).filter((o) => defOf(o).type === "object");
  if (def.discriminator && data && typeof data === "object") {
    const value = (data as Record<string, unknown>)[def.discriminator];
    const match = objects.find((o) => {
      const tag = defOf(o).shape?.[def.discriminator!];
      return tag && (defOf(tag) as unknown as { values?: unknown[] }).values?.includes(value);
    });
    if (match) return match;
  }
  return undefined;
}

/** The schema that validates the value at `path` (unions resolved by the data's discriminator). */
function schemaAt(root: z.ZodType, path: readonly PathSegment[], data: unknown): z.ZodType | undefined {
  let schema: z.ZodType | undefined = root;
  let value = data;
  for (let i = 0; schema; i++) {
    schema = unwrap(schema);
    if (defOf(schema).type === "union") schema = resolveUnion(schema, value) ?? schema;
    if (i === path.length) return schema;
    const def = defOf(schema);
    const segment = path[i];
    if (def.type === "object") schema = def.shape?.[String(segment)];
    else if (def.type === "array") schema = def.element;
    else if (def.type === "record") schema = def.valueType;
    else return undefined;
    value = value && typeof value === "object" ? (value as Record<string, unknown>)[segment as string] : undefined;
  }
  return undefined;
}

/** The keys an object at `path` may have, or undefined if the schema there is not a known object. */
export function allowedKeysAt(root: z.ZodType, path: readonly PathSegment[], data: unknown): string[] | undefined {
  const schema = schemaAt(root, path, data);
  const def = schema && defOf(schema);
  return def?.type === "object" && def.shape ? Object.keys(def.shape) : undefined;
}

function isIntegerSchema(schema: z.ZodType | undefined): boolean {
  const format = schema && (defOf(schema) as unknown as { format?: string }).format;
  return typeof format === "string" && format.includes("int");
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return quote(value);
  if (typeof value === "number" && !Number.isFinite(value)) return `${value} (not a finite number)`;
  return typeof value === "number" || typeof value === "boolean" ? String(value) : quote(String(value));
}

const TYPE_NAMES: Record<string, string> = {
  int: "an integer",
  number: "a number",
  string: "a string",
  boolean: "true or false",
  array: "a list",
  object: "a mapping",
};

type AnyIssue = z.core.$ZodIssue & { input?: unknown };

export interface LocatedMessage {
  path: PathSegment[];
  message: string;
  /** point at the key itself rather than its value */
  atKey?: boolean;
}

/** One or more messages for a zod issue (an unknown-keys issue yields one per key). */
export function describeIssue(issue: AnyIssue, root: z.ZodType, data: unknown): LocatedMessage[] {
  const path = issue.path.map((p) => (typeof p === "number" ? p : String(p)));
  switch (issue.code) {
    case "invalid_type": {
      const integer = issue.expected === "number" && isIntegerSchema(schemaAt(root, path, data));
      const expected = integer ? TYPE_NAMES.int : (TYPE_NAMES[issue.expected] ?? issue.expected);
      if (issue.input === undefined) return [{ path, message: `missing required field (expected ${expected})` }];
      return [{ path, message: `expected ${expected}, got ${describeValue(issue.input)}` }];
    }
    case "unrecognized_keys": {
      const allowed = allowedKeysAt(root, path, data) ?? [];
      return issue.keys.map((key) => {
        const guess = closestMatch(key, allowed);
        const hint = guess ? `; did you mean '${guess}'?` : ".";
        const list = allowed.length ? ` Allowed here: ${allowed.join(", ")}.` : "";
        return { path: [...path, key], message: `unknown key '${key}'${hint}${list}`, atKey: true };
      });
    }
    case "invalid_union": {
      const u = issue as typeof issue & { discriminator?: string; options?: unknown[] };
      if (u.discriminator) {
        const options = (u.options ?? []).map(String);
        const given = u.input && typeof u.input === "object" ? (u.input as Record<string, unknown>)[u.discriminator] : undefined;
        const fieldPath = path[path.length - 1] === u.discriminator ? path : [...path, u.discriminator];
        if (given === undefined) {
          return [{ path: fieldPath, message: `missing required field '${u.discriminator}' (expected one of: ${options.join(", ")})` }];
        }
        const guess = closestMatch(String(given), options);
        return [
          {
            path: fieldPath,
            message: `unknown ${u.discriminator} ${describeValue(given)}${guess ? `; did you mean '${guess}'?` : ""} (expected one of: ${options.join(", ")})`,
          },
        ];
      }
      return [{ path, message: `${issue.message}, got ${describeValue(issue.input)}` }];
    }
    case "invalid_value": {
      const expected = issue.values.map((v) => JSON.stringify(v)).join(" or ");
      return [{ path, message: `expected ${expected}, got ${describeValue(issue.input)}` }];
    }
    case "too_small":
    case "too_big": {
      const bound = issue.code === "too_small" ? issue.minimum : issue.maximum;
      const op = issue.code === "too_small" ? (issue.inclusive ? ">=" : ">") : issue.inclusive ? "<=" : "<";
      if (issue.origin === "number" || issue.origin === "int" || issue.origin === "bigint") {
        // A bound with its own message (a limit of limits.ts: "expected at most 100,000 (the limit on ...)").
        if (issue.message.startsWith("expected ")) return [{ path, message: `${issue.message}, got ${describeValue(issue.input)}` }];
        return [{ path, message: `expected a number ${op} ${bound}, got ${describeValue(issue.input)}` }];
      }
      const unit = issue.origin === "string" ? "characters" : "items";
      return [{ path, message: `expected ${op} ${bound} ${unit}` }];
    }
    default:
      return [{ path, message: issue.message }];
  }
}
