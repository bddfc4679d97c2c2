/**
 * The composite alarm rule language: ALARM(x), OK(x), INSUFFICIENT_DATA(x), TRUE, FALSE, AND, OR, NOT and
 * parentheses; x an alarm name (quoted or bare) or ARN.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html
 */
import { invalidValue } from "./validate.js";

export type Rule =
  | { k: "const"; v: boolean }
  | { k: "state"; state: string; alarm: string }
  | { k: "not"; e: Rule }
  | { k: "and" | "or"; l: Rule; r: Rule };

const TOKEN = /\s*(?:"((?:[^"\\]|\\.)*)"|([A-Za-z_][A-Za-z0-9_]*)(?=\s*\()|(\(|\))|([^\s()"]+))/y;
const ruleError = (m: string) => invalidValue(`Error in alarm rule: ${m}`);

export function parseRule(src: string): Rule {
  const toks: Array<{ t: "str" | "fn" | "p" | "word"; v: string }> = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < src.length && !/^\s*$/.test(src.slice(TOKEN.lastIndex))) {
    const m = TOKEN.exec(src);
    if (!m) throw ruleError(`unexpected character at position ${TOKEN.lastIndex + 1}`);
    toks.push(m[1] !== undefined ? { t: "str", v: m[1].replace(/\\(.)/g, "$1") } : m[2] ? { t: "fn", v: m[2] } : m[3] ? { t: "p", v: m[3] } : { t: "word", v: m[4]! });
  }
  let i = 0;
  const word = (w: string) => toks[i]?.t === "word" && toks[i]!.v.toUpperCase() === w;
  const or = (): Rule => {
    let l = and();
    while (word("OR")) {
      i++;
      l = { k: "or", l, r: and() };
    }
    return l;
  };
  const and = (): Rule => {
    let l = not();
    while (word("AND")) {
      i++;
      l = { k: "and", l, r: not() };
    }
    return l;
  };
  const not = (): Rule => {
    if (word("NOT")) {
      i++;
      return { k: "not", e: not() };
    }
    return primary();
  };
  const primary = (): Rule => {
    const t = toks[i++];
    if (!t) throw ruleError("unexpected end of rule");
    if (t.t === "p" && t.v === "(") {
      const e = or();
      if (toks[i++]?.v !== ")") throw ruleError("missing ')'");
      return e;
    }
    if (t.t === "word" && (t.v.toUpperCase() === "TRUE" || t.v.toUpperCase() === "FALSE")) return { k: "const", v: t.v.toUpperCase() === "TRUE" };
    if (t.t === "fn" && ["ALARM", "OK", "INSUFFICIENT_DATA"].includes(t.v.toUpperCase())) {
      if (toks[i++]?.v !== "(") throw ruleError("missing '('");
      const arg = toks[i++];
      if (!arg || (arg.t !== "str" && arg.t !== "word")) throw ruleError(`${t.v} needs an alarm name`);
      if (toks[i++]?.v !== ")") throw ruleError("missing ')'");
      const name = arg.v.includes(":alarm:") ? arg.v.slice(arg.v.indexOf(":alarm:") + 7) : arg.v;
      return { k: "state", state: t.v.toUpperCase(), alarm: name };
    }
    throw ruleError(`unexpected '${t.v}'`);
  };
  const r = or();
  if (i < toks.length) throw ruleError(`unexpected '${toks[i]!.v}'`);
  return r;
}

export function ruleAlarmNames(r: Rule, out: string[] = []): string[] {
  if (r.k === "state") out.push(r.alarm);
  else if (r.k === "not") ruleAlarmNames(r.e, out);
  else if (r.k === "and" || r.k === "or") {
    ruleAlarmNames(r.l, out);
    ruleAlarmNames(r.r, out);
  }
  return out;
}

export function evaluateRule(r: Rule, stateOf: (alarm: string) => string | undefined): boolean {
  switch (r.k) {
    case "const": return r.v;
    case "state": return stateOf(r.alarm) === r.state;
    case "not": return !evaluateRule(r.e, stateOf);
    case "and": return evaluateRule(r.l, stateOf) && evaluateRule(r.r, stateOf);
    case "or": return evaluateRule(r.l, stateOf) || evaluateRule(r.r, stateOf);
  }
}
