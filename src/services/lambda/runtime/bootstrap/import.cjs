// Loads a function's handler for a runtime started from a startup snapshot: code compiled into a snapshot has no
// dynamic import callback, a module loaded from disk has node's own.
"use strict";
module.exports = (url) => import(url);
