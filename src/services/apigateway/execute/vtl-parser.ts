/**
 * velocityjs's parser with its one quadratic step removed. Its grammar builds every statement list with
 * `[].concat(list, item)`, copying the whole list for each statement: a 160 KB template took 5 s and a
 * 1 MB one 4.5 minutes of event loop. We load the library's own generated parser source (velocityjs 2.x,
 * dist/cjs/parse/index.cjs) with those reductions appending in place instead — the list being reduced is
 * consumed by the reduction, so nothing else sees it — and keep its own post-processing (parse.cjs).
 * If a future velocityjs changes that source, the patch does not apply and we fall back to the library's
 * parse unchanged (templates are size-capped either way).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import Velocity from "velocityjs";

type ParseFn = (template: string) => unknown[];

const QUADRATIC = /this\.\$ = \[\]\.concat\(\$\$\[\$0 - ([12])\], \$\$\[\$0\]\);/g;

/** Appends b (flattened one level, as concat does) to list a in place. */
function appendInPlace(a: unknown, b: unknown): unknown[] {
  if (!Array.isArray(a)) return ([] as unknown[]).concat(a, b);
  if (Array.isArray(b)) for (const x of b) a.push(x);
  else a.push(b);
  return a;
}

function loadPatched(): ParseFn | undefined {
  try {
    const require = createRequire(import.meta.url);
    const cjsDir = dirname(require.resolve("velocityjs")); // .../dist/cjs (the package's "main")
    const load = (file: string, deps: Record<string, unknown>): Record<string, unknown> => {
      let source = readFileSync(join(cjsDir, file), "utf8");
      if (file === "parse/index.cjs") {
        const before = source;
        source = source.replace(QUADRATIC, (_m, n: string) => `this.$ = __appendInPlace($$[$0 - ${n}], $$[$0]);`);
        if (source === before) throw new Error("velocityjs parser source changed");
      }
      const exports: Record<string, unknown> = {};
      const fakeRequire = (id: string) => {
        if (id in deps) return deps[id];
        throw new Error(`unexpected require ${id}`);
      };
      new Function("exports", "require", "__appendInPlace", source)(exports, fakeRequire, appendInPlace);
      return exports;
    };
    const grammar = load("parse/index.cjs", { "../_virtual/_/Users/eward/code/velocity.js/src/parse/index.cjs": { parse: {} } });
    const parse = load("parse.cjs", { "./parse/index.cjs": grammar });
    return typeof parse.parse === "function" ? (parse.parse as ParseFn) : undefined;
  } catch {
    return undefined;
  }
}

/** velocityjs's parse (same AST), linear in the number of statements when the patch applies. */
export const parseVelocity: ParseFn = loadPatched() ?? ((t) => Velocity.parse(t) as unknown[]);
export const parserPatched = parseVelocity !== Velocity.parse;
