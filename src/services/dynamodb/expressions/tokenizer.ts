/**
 * Tokenizer shared by the expression parsers. Tokens keep their source offset so syntax errors can quote
 * AWS's "near" text: 'Invalid <kind>: Syntax error; token: "<tok>", near: "<previous token> <tok> <next>"'.
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
    if (!op) throw syntaxError(kind, out, { type: "op", text: expr[i]!, pos: i }, expr);
    i += op.length;
    out.push({ type: "op", text: op, pos: start });
  }
  out.push({ type: "eof", text: "<EOF>", pos: n });
  return out;
}

/** AWS's syntax error: the offending token, and the source text from the token before it to the one after. */
export function syntaxError(kind: string, tokens: Token[], tok: Token, expr: string): ServiceError {
  let idx = tokens.indexOf(tok);
  if (idx < 0) idx = tokens.length;
  // AWS quotes from the token before (two before at <EOF>, which has no text) up to the next token.
  const back = tok.type === "eof" ? 2 : 1;
  const from = tokens[Math.max(0, idx - back)]?.pos ?? tok.pos;
  const next = tokens[idx + 1];
  const to = tok.type === "eof" ? expr.length : next && next.type !== "eof" ? next.pos : expr.length;
  return new ServiceError("ValidationException", `Invalid ${kind}: Syntax error; token: "${tok.text}", near: "${expr.slice(Math.min(from, tok.pos), to)}"`, 400);
}
