/**
 * Event positions and the tokens built from them. An event's position is (timestamp, seq), seq being its
 * row id (unique, increasing). AWS's event ids and GetLogEvents tokens are 56-digit decimals whose high bits
 * are the timestamp (an id divided by 2^144 gives the event's milliseconds); ours are built the same way —
 * `timestamp << 144 | seq` — so they sort like the events and look like AWS's:
 *   eventId "36569393484927409957930658349900755958289816616951021572",
 *   nextForwardToken "f/3656...1572/s", nextBackwardToken "b/3656...0736/s".
 */
import { Messages } from "./constants.js";
import { invalidParameter } from "./validate.js";

export interface Position {
  ts: number;
  seq: number;
}

const SHIFT = 144n;
const MASK = (1n << SHIFT) - 1n;

/** The 56-digit decimal of a position (event ids, GetLogEvents tokens). */
export function positionDigits(p: Position): string {
  const v = (BigInt(Math.max(0, p.ts)) << SHIFT) | BigInt(Math.max(0, p.seq));
  return v.toString().padStart(56, "0");
}

export function parseDigits(digits: string): Position {
  const v = BigInt(digits);
  return { ts: Number(v >> SHIFT), seq: Number(v & MASK) };
}

export const forwardToken = (p: Position) => `f/${positionDigits(p)}/s`;
export const backwardToken = (p: Position) => `b/${positionDigits(p)}/s`;

/** A GetLogEvents token: its direction and position. */
export function parseStreamToken(token: string): { forward: boolean; at: Position } {
  const m = /^([fb])\/(\d{1,60})(?:\/s)?$/.exec(token);
  if (!m) throw invalidParameter(Messages.BAD_TOKEN);
  return { forward: m[1] === "f", at: parseDigits(m[2]!) };
}

/** Positions one step before / after (tokens are exclusive bounds). */
export const before = (p: Position): Position => (p.seq > 0 ? { ts: p.ts, seq: p.seq - 1 } : { ts: p.ts - 1, seq: Number.MAX_SAFE_INTEGER });
export const after = (p: Position): Position => ({ ts: p.ts, seq: p.seq + 1 });

/** FilterLogEvents / Describe* tokens: opaque base64url of a small JSON value. */
export function encodePageToken(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

export function decodePageToken<T>(token: string, valid: (v: unknown) => v is T): T {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw invalidParameter(Messages.BAD_TOKEN);
  }
  if (!valid(v)) throw invalidParameter(Messages.BAD_TOKEN);
  return v;
}
