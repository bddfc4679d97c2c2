/**
 * Instances: CreateInstances, GetInstance(s), GetInstanceState, Start/Stop/Reboot/DeleteInstance, public
 * ports, access details and metrics. (Being built: see the provider header for what is done.)
 */
import type { ServiceEnv } from "../host.js";
import type { LightsailShared } from "./shared.js";

export class InstanceOps {
  constructor(
    private readonly env: ServiceEnv,
    private readonly shared: LightsailShared,
  ) {}
}
