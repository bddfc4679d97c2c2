// Skyport's bootstrap for the nodejs runtimes, started plainly (no startup snapshot, or its blob is not
// built yet): the runtime client in node-client.cjs, with node's own dynamic import for the handler.
import { createRequire } from "node:module";

const { main } = createRequire(import.meta.url)("./node-client.cjs");
await main({ importModule: (url) => import(url) });
