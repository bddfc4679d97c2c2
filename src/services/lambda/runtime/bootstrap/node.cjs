// Skyport's bootstrap for the nodejs runtimes, started plainly (no startup snapshot, or its blob is not
// built yet): the runtime client in node-client.cjs, with node's own dynamic import for ES module handlers.
// A CommonJS entry: node starts its ES module loader only when a handler needs it (~10 ms of a cold start).
"use strict";

require("./node-client.cjs")
  .main({ importModule: (url) => import(url) })
  .catch((e) => {
    process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
    process.exit(1);
  });
