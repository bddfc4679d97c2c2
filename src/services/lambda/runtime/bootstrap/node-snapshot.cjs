// The entry of the node runtime's V8 startup snapshot (runtime/snapshot.ts bundles it with esbuild and runs
// `node --build-snapshot` on the bundle): the runtime client and the AWS SDK modules functions use most are
// loaded while the snapshot is built, so an environment started with `--snapshot-blob` loads none of them, and
// their common requests ran once (snapshot-warmup.cjs), so it compiles little of them at its first calls.
"use strict";
const v8 = require("node:v8");
const { main } = require("./node-client.cjs");
const { warmup, spareWarmup } = require("./snapshot-warmup.cjs");

const preloaded = {
  "@aws-sdk/client-dynamodb": require("@aws-sdk/client-dynamodb"),
  "@aws-sdk/lib-dynamodb": require("@aws-sdk/lib-dynamodb"),
  "@aws-sdk/client-s3": require("@aws-sdk/client-s3"),
};

// The SDK's request paths run once here, so the blob holds them compiled (snapshot-warmup.cjs).
let sdkState;
try {
  sdkState = require("@aws-sdk/core/client").state;
} catch {} // an SDK without it
warmup(preloaded, sdkState).then((failed) => {
  if (failed.length) process.stderr.write(`snapshot warm-up incomplete: ${failed.join("; ")}\n`);
});

v8.startupSnapshot.setDeserializeMainFunction(() => {
  // Skyport checks a new blob before it uses it: it must deserialize and hold its modules.
  if (process.env.SKYPORT_SNAPSHOT_CHECK === "1") {
    // …and names each module's exports (runtime/esm-shims.ts: ES module imports name them without lexing the files).
    const out = process.env.SKYPORT_SNAPSHOT_EXPORTS;
    if (out) require("node:fs").writeFileSync(out, JSON.stringify(Object.fromEntries(Object.entries(preloaded).map(([k, m]) => [k, Object.keys(m)]))));
    process.stdout.write(`skyport-snapshot-ok ${Object.keys(preloaded).filter((k) => preloaded[k]).length}\n`);
    return;
  }
  const dir = process.env.LAMBDA_RUNTIME_DIR;
  const importModule = require("node:module").createRequire(`${dir}/import.cjs`)("./import.cjs");
  const warmSpare = (done, budgetMs) => spareWarmup(preloaded, sdkState, done, budgetMs);
  main({ importModule, preloaded, warmSpare }).catch((e) => {
    process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
    process.exit(1);
  });
});
