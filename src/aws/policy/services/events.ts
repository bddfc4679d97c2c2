/**
 * EventBridge ("Actions, resources, and condition keys for Amazon EventBridge"): actions `events:<Operation>`;
 * resources event-bus (`event-bus/NAME`, the default bus is `default`), rule (`rule/NAME` on the default
 * bus, `rule/BUS/NAME` on a custom one), archive, replay, connection, api-destination, event-source.
 * PutEvents addresses every bus its entries name; it sets events:source and events:detail-type. PutRule
 * and PutTargets with a RoleArn also need iam:PassRole on it.
 */
import { bounded, str, type Input, type Mapper, type MapperEnv } from "./common.js";

const ACCOUNT_LEVEL = new Set(["ListEventBuses", "ListRules", "ListRuleNamesByTarget", "TestEventPattern", "ListArchives", "ListReplays", "ListConnections", "ListApiDestinations", "ListEventSources", "ListPartnerEventSources", "ListPartnerEventSourceAccounts", "PutPartnerEvents", "CreatePartnerEventSource", "DeletePartnerEventSource", "DescribePartnerEventSource"]);

function busName(nameOrArn: string | undefined): string {
  if (!nameOrArn) return "default";
  const at = nameOrArn.indexOf(":event-bus/");
  return at >= 0 ? nameOrArn.slice(at + 11) : nameOrArn;
}

const base = (env: MapperEnv) => `arn:aws:events:${env.region}:${env.accountId}`;
const busArn = (env: MapperEnv, nameOrArn?: string) => (nameOrArn?.startsWith("arn:") ? nameOrArn : `${base(env)}:event-bus/${busName(nameOrArn)}`);

export function ruleArn(env: MapperEnv, rule: string, bus?: string): string {
  if (rule.startsWith("arn:")) return rule;
  const b = busName(bus);
  return b === "default" ? `${base(env)}:rule/${rule}` : `${base(env)}:rule/${b}/${rule}`;
}

/** Rules and targets that name a role pass it to EventBridge: iam:PassRole on it. */
function passRole(env: MapperEnv, roles: string[]) {
  env.context["iam:passedtoservice"] = "events.amazonaws.com";
  return { action: "iam:PassRole", resources: roles };
}

export const mapEvents: Mapper = (op, input, env) => {
  if (ACCOUNT_LEVEL.has(op)) return { resources: ["*"] };
  switch (op) {
    case "PutEvents": {
      const entries = bounded((input.Entries as Input[] | undefined) ?? []);
      const sources = entries.map((e) => str(e.Source)).filter((s): s is string => !!s);
      const types = entries.map((e) => str(e.DetailType)).filter((s): s is string => !!s);
      env.context["events:source"] = [...new Set(sources)];
      env.context["events:detail-type"] = [...new Set(types)];
      const buses = new Set(entries.map((e) => busArn(env, str(e.EventBusName))));
      return { resources: buses.size ? [...buses] : [busArn(env)] };
    }
    case "PutRule": {
      const resources = [ruleArn(env, str(input.Name) ?? "", str(input.EventBusName))];
      const role = str(input.RoleArn);
      return role ? { resources, extra: [passRole(env, [role])] } : { resources };
    }
    case "PutTargets": {
      const resources = [ruleArn(env, str(input.Rule) ?? "", str(input.EventBusName))];
      const roles = bounded((input.Targets as Input[] | undefined) ?? []).map((t) => str(t.RoleArn)).filter((r): r is string => !!r);
      return roles.length ? { resources, extra: [passRole(env, [...new Set(roles)])] } : { resources };
    }
    case "DeleteRule":
    case "DescribeRule":
    case "EnableRule":
    case "DisableRule":
      return { resources: [ruleArn(env, str(input.Name) ?? "", str(input.EventBusName))] };
    case "RemoveTargets":
    case "ListTargetsByRule":
      return { resources: [ruleArn(env, str(input.Rule) ?? "", str(input.EventBusName))] };
    case "TagResource":
    case "UntagResource":
    case "ListTagsForResource":
      return { resources: [str(input.ResourceARN) ?? "*"] };
    case "CreateArchive":
    case "DescribeArchive":
    case "UpdateArchive":
    case "DeleteArchive":
      return { resources: [`${base(env)}:archive/${str(input.ArchiveName) ?? ""}`] };
    case "StartReplay":
    case "DescribeReplay":
    case "CancelReplay":
      return { resources: [`${base(env)}:replay/${str(input.ReplayName) ?? ""}`] };
    case "CreateConnection":
    case "DescribeConnection":
    case "UpdateConnection":
    case "DeleteConnection":
    case "DeauthorizeConnection":
      return { resources: [`${base(env)}:connection/${str(input.Name) ?? ""}`] };
    case "CreateApiDestination":
    case "DescribeApiDestination":
    case "UpdateApiDestination":
    case "DeleteApiDestination":
      return { resources: [`${base(env)}:api-destination/${str(input.Name) ?? ""}`] };
    case "ActivateEventSource":
    case "DeactivateEventSource":
    case "DescribeEventSource":
      return { resources: [`${base(env)}:event-source/${str(input.Name) ?? ""}`] };
    case "CreateEventBus":
    case "DeleteEventBus":
      return { resources: [busArn(env, str(input.Name))] };
    case "DescribeEventBus":
    case "PutPermission":
    case "RemovePermission":
      return { resources: [busArn(env, str(input.Name) ?? str(input.EventBusName))] };
  }
  return { resources: ["*"] };
};
