/**
 * A Lightsail alarm on real CPU load, end to end: an instance (skyport:busybox) whose user data burns CPU once
 * the test says so, an email contact method verified through the link in the outbox's verification email,
 * a CPUUtilization alarm with notifications — OK while idle, ALARM under load, and an email naming the alarm.
 * The metric period is shortened with --lightsail-metric-period-seconds (evaluation semantics unchanged).
 * Needs root, bubblewrap and busybox (as the acceptance script installs); skipped otherwise.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import {
  CreateContactMethodCommand, CreateInstancesCommand, DeleteAlarmCommand, DeleteContactMethodCommand, DeleteInstanceCommand, GetAlarmsCommand,
  GetContactMethodsCommand, GetInstanceCommand, GetInstanceStateCommand, LightsailClient, PutAlarmCommand,
} from "@aws-sdk/client-lightsail";
import type { LightsailProvider } from "../../src/services/lightsail/provider.js";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";

const can = process.getuid?.() === 0 && existsSync("/usr/bin/bwrap") && (existsSync("/bin/busybox") || existsSync("/usr/bin/busybox"));
const PERIOD_SECONDS = 2;
const outbox = mkdtempSync(join(tmpdir(), "skyport-alarm-outbox-"));
let server: TestServer;
let ls: LightsailClient;

before(async () => {
  if (!can) return;
  server = await startServer({ "lightsail-blueprint-image": "debian_12=skyport:busybox", outbox, "lightsail-metric-period-seconds": String(PERIOD_SECONDS) });
  ls = new LightsailClient(server.clientConfig);
});
after(async () => {
  ls?.destroy();
  await server?.stop();
  rmSync(outbox, { recursive: true, force: true });
});

/** Polls `probe` until it returns a value, or fails after `seconds` (a deadline, not a timing assertion). */
async function until<T>(what: string, seconds: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`gave up waiting for ${what} after ${seconds} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const mails = () => readdirSync(outbox).filter((f) => f.endsWith(".eml")).sort().map((f) => readFileSync(join(outbox, f), "utf8"));

test("PutAlarm: a CPUUtilization alarm goes OK → ALARM on real CPU load and emails the verified contact", { skip: !can && "needs root, bubblewrap and busybox-static (.ci/run installs them)" }, async () => {
  // The contact method, verified as on AWS: the link in the verification email.
  await ls.send(new CreateContactMethodCommand({ protocol: "Email", contactEndpoint: "oncall@example.com" }));
  const verification = await until("the verification email", 30, () => mails().find((m) => /^To: oncall@example\.com$/m.test(m)));
  const link = /(http:\/\/\S+\/_aws\/lightsail\/verify-contact\?token=\S+)/.exec(verification)![1]!;
  assert.equal((await fetch(link)).status, 200);
  assert.equal((await ls.send(new GetContactMethodsCommand({ protocols: ["Email"] }))).contactMethods![0]!.status, "Valid");

  // Two busy loops (nano has 2 vCPUs) once /tmp/burn exists; idle until then.
  const name = uniqueName("hot");
  const userData = "#!/bin/sh\nwhile [ ! -e /tmp/burn ]; do sleep 0.2; done\n(while :; do :; done) &\nwhile :; do :; done\n";
  await ls.send(new CreateInstancesCommand({ instanceNames: [name], availabilityZone: "us-east-1a", blueprintId: "debian_12", bundleId: "nano_3_0", userData }));
  try {
    await until("the instance to run", 120, async () => ((await ls.send(new GetInstanceStateCommand({ instanceName: name }))).state!.name === "running" ? true : undefined));
    const arn = (await ls.send(new GetInstanceCommand({ instanceName: name }))).instance!.arn!;

    await ls.send(
      new PutAlarmCommand({
        alarmName: "cpu-hot", monitoredResourceName: name, metricName: "CPUUtilization", comparisonOperator: "GreaterThanOrEqualToThreshold",
        threshold: 10, evaluationPeriods: 2, datapointsToAlarm: 2, treatMissingData: "missing", contactProtocols: ["Email"], notificationEnabled: true, notificationTriggers: ["ALARM"],
      }),
    );
    const alarm = (await ls.send(new GetAlarmsCommand({ alarmName: "cpu-hot" }))).alarms![0]!;
    assert.equal(alarm.period, PERIOD_SECONDS);
    assert.equal(alarm.statistic, "Average");
    assert.equal(alarm.unit, "Percent");

    // Idle: both periods measured below the threshold → OK, and no email (OK is not a trigger here).
    const sent = mails().length;
    await until("the alarm to be OK while the instance idles", 60, async () => ((await ls.send(new GetAlarmsCommand({ alarmName: "cpu-hot" }))).alarms![0]!.state === "OK" ? true : undefined));
    assert.equal(mails().length, sent);

    // Load: the instance's own processes burn CPU (counted in its cgroup) → ALARM.
    const provider = (await server.skyport.services.get("lightsail")) as LightsailProvider;
    const pid = provider.shared.instances.machines.get(arn)!.pid!;
    execFileSync("nsenter", ["-t", String(pid), "-m", "/bin/sh", "-c", ": > /tmp/burn"]);
    await until("the alarm to be ALARM under load", 90, async () => ((await ls.send(new GetAlarmsCommand({ monitoredResourceName: name }))).alarms![0]!.state === "ALARM" ? true : undefined));

    const mail = await until("the alarm email", 30, () => mails().slice(sent).find((m) => /^Subject: ALARM: "cpu-hot"/m.test(m)));
    assert.match(mail, /^To: oncall@example\.com$/m);
    assert.match(mail, /alarm "cpu-hot" in us-east-1 is now in the ALARM state/);
    assert.match(mail, new RegExp(`Resource: Instance ${name}`));
    assert.doesNotMatch(mail, /\(test\)/);
  } finally {
    await ls.send(new DeleteAlarmCommand({ alarmName: "cpu-hot" })).catch(() => undefined);
    await ls.send(new DeleteInstanceCommand({ instanceName: name }));
    await ls.send(new DeleteContactMethodCommand({ protocol: "Email" }));
  }
});
