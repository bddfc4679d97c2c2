/**
 * What a target receives: the whole event, `Input` (constant JSON), `InputPath` (a JSONPath into the event)
 * or `InputTransformer` (values picked by `InputPathsMap` put into `InputTemplate`), as described in
 * "Amazon EventBridge input transformation". Placeholders `<name>` outside a JSON string get the value as
 * JSON (strings quoted); inside a string literal they get its text, unquoted and — as that page warns —
 * not escaped. A path that does not exist in the event leaves nothing ("that variable isn't created and
 * won't appear in the output"). Reserved variables: `<aws.events.rule-arn>`, `<aws.events.rule-name>`,
 * `<aws.events.event.ingestion-time>`, `<aws.events.event>` (the event without `detail`) and
 * `<aws.events.event.json>` (the whole event).
 */
import type { TargetsShape } from "../../aws/api/events.js";
import { eventTime } from "./common.js";

export type Target = TargetsShape[number];
export type EventEnvelope = Record<string, unknown>;

export interface TransformContext {
  ruleArn: string;
  ruleName: string;
  ingestionTime: number;
}

const RESERVED = ["aws.events.rule-arn", "aws.events.rule-name", "aws.events.event.ingestion-time", "aws.events.event", "aws.events.event.json"];
export const isReservedVariable = (name: string) => RESERVED.includes(name);

/** The payload a target receives for an event. */
export function targetPayload(target: Target, event: EventEnvelope, c: TransformContext): string {
  if (target.Input !== undefined) return target.Input;
  if (target.InputPath !== undefined) return JSON.stringify(jsonPath(event, target.InputPath) ?? null);
  if (target.InputTransformer) return renderTemplate(target.InputTransformer.InputTemplate, target.InputTransformer.InputPathsMap ?? {}, event, c);
  return JSON.stringify(event);
}

function variable(name: string, paths: Record<string, string>, event: EventEnvelope, c: TransformContext): { found: boolean; value?: unknown } {
  if (Object.hasOwn(paths, name)) return { found: true, value: jsonPath(event, paths[name]!) };
  switch (name) {
    case "aws.events.rule-arn":
      return { found: true, value: c.ruleArn };
    case "aws.events.rule-name":
      return { found: true, value: c.ruleName };
    case "aws.events.event.ingestion-time":
      return { found: true, value: eventTime(c.ingestionTime) };
    case "aws.events.event": {
      const { detail: _detail, ...rest } = event;
      return { found: true, value: rest };
    }
    case "aws.events.event.json":
      return { found: true, value: event };
    default:
      return { found: false };
  }
}

/** Fills an InputTemplate in one linear pass, tracking whether each placeholder sits inside a JSON string. */
export function renderTemplate(template: string, paths: Record<string, string>, event: EventEnvelope, c: TransformContext): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < template.length; i++) {
    const ch = template[i]!;
    if (ch === "\\" && inString) {
      out += ch + (template[i + 1] ?? "");
      i++;
      continue;
    }
    if (ch === '"') inString = !inString;
    if (ch === "<") {
      const end = template.indexOf(">", i + 1);
      const name = end > i ? template.slice(i + 1, end) : "";
      if (name && name.length <= 256 && /^[A-Za-z0-9_.-]+$/.test(name)) {
        const v = variable(name, paths, event, c);
        if (v.found) {
          if (v.value !== undefined) out += inString ? textOf(v.value) : JSON.stringify(v.value);
          i = end;
          continue;
        }
      }
    }
    out += ch;
  }
  return out;
}

/** A value's text inside a JSON string literal: strings as they are, others as JSON (AWS escapes neither). */
function textOf(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Parses a JSONPath of the forms EventBridge documents: `$`, `$.a.b`, `$.a[0]`, `$['a b']`. */
export function parseJsonPath(path: string): Array<string | number> | undefined {
  if (!path.startsWith("$")) return undefined;
  const steps: Array<string | number> = [];
  let i = 1;
  while (i < path.length) {
    if (path[i] === ".") {
      const m = /^[^.[\]]+/.exec(path.slice(i + 1));
      if (!m) return undefined;
      steps.push(m[0]);
      i += 1 + m[0].length;
    } else if (path[i] === "[") {
      const rest = path.slice(i);
      const idx = /^\[(\d+)\]/.exec(rest);
      const quoted = /^\[(?:'([^']*)'|"([^"]*)")\]/.exec(rest);
      if (idx) {
        steps.push(Number(idx[1]));
        i += idx[0].length;
      } else if (quoted) {
        steps.push(quoted[1] ?? quoted[2]!);
        i += quoted[0].length;
      } else return undefined;
    } else return undefined;
  }
  return steps;
}

/** The value at a JSONPath, or undefined when the path does not exist (or does not parse). */
export function jsonPath(value: unknown, path: string): unknown {
  const steps = parseJsonPath(path);
  if (!steps) return undefined;
  let cur = value;
  for (const s of steps) {
    if (cur === null || typeof cur !== "object") return undefined;
    if (typeof s === "number") cur = Array.isArray(cur) ? cur[s] : undefined;
    else cur = Array.isArray(cur) || !Object.hasOwn(cur, s) ? undefined : (cur as Record<string, unknown>)[s];
    if (cur === undefined) return undefined;
  }
  return cur;
}
