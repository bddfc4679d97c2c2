/**
 * What Skyport does about user-code processes when it starts: decide the sandbox mode (sandbox.ts), remove
 * what a killed Skyport left running (cgroup.ts), and say in one log line how environments are contained.
 */
import type { Logger } from "../core/log.js";
import { cgroupMode, sweepCgroups } from "./cgroup.js";
import { resolveSandboxMode } from "./sandbox.js";

/** Returns the effective sandbox mode; throws SkyportError when `bubblewrap` was asked for and cannot be built. */
export function prepareRuntime(mode: "auto" | "bubblewrap" | "off", log: Logger): "bubblewrap" | "off" {
  const effective = resolveSandboxMode(mode, log);
  const swept = sweepCgroups();
  if (swept) log.warn(`runtime: killed ${swept} process(es) left running by a Skyport that did not stop cleanly`);
  const cg = cgroupMode();
  if (cg === "none" || cg === "v2-no-memory") {
    log.info(`runtime: ${cg === "none" ? "no usable cgroup" : "cgroup v2 without the memory controller"}: function memory is limited only by Node's heap flag${cg === "none" ? "; processes a function detaches are killed through its process group (and pid namespace as root)" : ""}`);
  } else log.debug(`runtime: environments in their own cgroups (${cg}), memory limited to MemorySize`);
  return effective;
}
