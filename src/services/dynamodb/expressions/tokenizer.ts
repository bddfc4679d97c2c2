/**
 * Tokenizer shared by the expression parsers. Tokens keep their source offset so syntax errors can quote
 * AWS's "near" text: 'Invalid <kind>: Syntax error; token: "<tok>", near: "<previous token> <tok> <next token>"'.
 */
import { ServiceError } from "../../../aws/errors.js";

export type TokenType = "name" | "placeholder" | "value" | "number" | "op" | "eof";
export interface Token {
  type: TokenType;
  text: string;
  pos: number;
}

const OPS = ["<>", "<=", ">=", "=", "<", ">", "(", ")", "[", "]", ",", ".", "+", "-"];

function isNameChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

export function tokenize(expr: string, kind: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = expr.length;
  while (i < n) {
    const c = expr.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) { i++; continue; }
    const start = i;
    if (c === 35 || c === 58) { // # or :
      i++;
      while (i < n && isNameChar(expr.charCodeAt(i))) i++;
      out.push({ type: c === 35 ? "placeholder" : "value", text: expr.slice(start, i), pos: start });
      continue;
    }
    if (c >= 48 && c <= 57) {
      while (i < n && expr.charCodeAt(i) >= 48 && expr.charCodeAt(i) <= 57) i++;
      out.push({ type: "number", text: expr.slice(start, i), pos: start });
      continue;
    }
    if (isNameChar(c)) {
      while (i < n && isNameChar(expr.charCodeAt(i))) i++;
      out.push({ type: "name", text: expr.slice(start, i), pos: start });
      continue;
    }
    const op = OPS.find((o) => expr.startsWith(o, i));
    if (!op) throw syntaxError(kind, out, { type: "op", text: expr[i]!, pos: i }, expr, nextTokenEnd(expr, i + 1));
    i += op.length;
    out.push({ type: "op", text: op, pos: start });
  }
  out.push({ type: "eof", text: "<EOF>", pos: n });
  return out;
}

/** End offset of the token starting at or after `i` (for a character the tokenizer could not read). */
function nextTokenEnd(expr: string, i: number): number | undefined {
  while (i < expr.length && /\s/.test(expr[i]!)) i++;
  if (i >= expr.length) return undefined;
  const c = expr.charCodeAt(i);
  let j = i + 1;
  if (c === 35 || c === 58 || isNameChar(c)) while (j < expr.length && isNameChar(expr.charCodeAt(j))) j++;
  else {
    const op = OPS.find((o) => expr.startsWith(o, i));
    if (op) j = i + op.length;
  }
  return j;
}

/**
 * AWS's syntax error: the offending token, and the source text from the start of the token before it to
 * the end of the token after it; at <EOF>, from the last token to the end. Observed on DynamoDB:
 * "a+:delta<b" → token "+", near "a+:delta"; "= = b" → token "=", near "= = b"; "contains (t, :v" →
 * token "<EOF>", near ":v"; "attribute_not_exists(" → near "("; "!!!" → token "!", near "!!".
 * `lexNextEnd` is where the token after an unreadable character ends (it is not in `tokens`).
 */
export function syntaxError(kind: string, tokens: Token[], tok: Token, expr: string, lexNextEnd?: number): ServiceError {
  let idx = tokens.indexOf(tok);
  if (idx < 0) idx = tokens.length;
  const prev = tokens[idx - 1];
  const from = prev && prev.pos < tok.pos ? prev.pos : tok.pos;
  let to: number;
  if (tok.type === "eof") to = expr.length;
  else {
    const next = tokens.indexOf(tok) < 0 ? undefined : tokens[idx + 1];
    to = next && next.type !== "eof" ? next.pos + next.text.length : (lexNextEnd ?? tok.pos + tok.text.length);
  }
  return new ServiceError("ValidationException", `Invalid ${kind}: Syntax error; token: "${tok.text}", near: "${expr.slice(from, to)}"`, 400);
}
