/**
 * The PartiQL lexer for DynamoDB's subset: quoted names and strings, numbers (AWS's literal forms), the
 * punctuation of statements, line (--) and block comments; and the "wasn't well formed" errors the parser shares.
 */
import { ServiceError } from "../../../aws/errors.js";

export interface Tok {
  t: "id" | "qid" | "str" | "num" | "p" | "param" | "eof";
  v: string;
}

export const syntax = (tok: string) => new ServiceError("ValidationException", `Statement wasn't well formed, can't be processed: Unexpected token: ${tok}`, 400);
/** Text the lexer cannot read at all (a # comment, an unterminated comment, an exponent past 32 bits): AWS says nothing after the colon. */
export const unreadable = () => new ServiceError("ValidationException", "Statement wasn't well formed, can't be processed: ", 400);
/** A complete statement followed by more tokens (AWS's wording, observed). */
export const leftover = () => new ServiceError("ValidationException", "Statement wasn't well formed, can't be processed: Unexpected token after expression", 400);

/** A literal whose exponent, or scale (digits after the point less the exponent), does not fit a 32-bit integer. */
function checkScale(lit: string): void {
  const m = /^-?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(lit);
  if (!m?.[3]) return;
  const exp = Number(m[3]);
  const scale = (m[2]?.length ?? 0) - exp;
  if (!Number.isSafeInteger(exp) || Math.abs(exp) > 2147483647 || scale > 2147483647 || scale < -2147483648) throw unreadable();
}

export function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    // Comments are whitespace: -- to the end of the line, /* to */. A # is not a comment in PartiQL.
    if (src.startsWith("--", i)) {
      const nl = src.indexOf("\n", i);
      i = nl < 0 ? src.length : nl + 1;
      continue;
    }
    if (src.startsWith("/*", i)) {
      const end = src.indexOf("*/", i + 2);
      if (end < 0) throw unreadable();
      i = end + 2;
      continue;
    }
    if (c === "#") throw unreadable();
    if (c === "'" || c === '"') {
      let j = i + 1;
      let s = "";
      for (;;) {
        if (j >= src.length) throw syntax(src.slice(i));
        if (src[j] === c) {
          if (src[j + 1] === c) {
            s += c;
            j += 2;
            continue;
          }
          break;
        }
        s += src[j++];
      }
      out.push({ t: c === "'" ? "str" : "qid", v: s });
      i = j + 1;
      continue;
    }
    const num = /^-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(src.slice(i));
    if (num && (c !== "-" || !out.length || out[out.length - 1]!.t === "p")) {
      checkScale(num[0]);
      out.push({ t: "num", v: num[0] });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (id) {
      out.push({ t: "id", v: id[0] });
      i += id[0].length;
      continue;
    }
    if (c === "?") {
      out.push({ t: "param", v: "?" });
      i++;
      continue;
    }
    const p = ["<<", ">>", "<>", "!=", "<=", ">=", "=", "<", ">", "(", ")", "[", "]", "{", "}", ",", ".", ":", "*", "+", "-"].find((x) => src.startsWith(x, i));
    if (!p) throw syntax(c);
    out.push({ t: "p", v: p });
    i += p.length;
  }
  out.push({ t: "eof", v: "<EOF>" });
  return out;
}
