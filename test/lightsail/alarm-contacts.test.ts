/**
 * Lightsail contact methods (AWS's verification flow: an email with a link, PendingVerification → Valid)
 * and alarm notifications, read from the outbox directory and from a small SMTP server the test runs.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import {
  CreateContactMethodCommand,
  CreateRelationalDatabaseCommand,
  DeleteAlarmCommand,
  DeleteContactMethodCommand,
  DeleteRelationalDatabaseCommand,
  GetAlarmsCommand,
  GetContactMethodsCommand,
  LightsailClient,
  PutAlarmCommand,
  SendContactMethodVerificationCommand,
  TestAlarmCommand,
} from "@aws-sdk/client-lightsail";
import { findPostgres } from "../../src/services/lightsail/databases/postgres.js";
import { startServer, type TestServer } from "../helpers/skyport.js";

const outbox = mkdtempSync(join(tmpdir(), "skyport-outbox-"));
let server: TestServer;
let ls: LightsailClient;

before(async () => {
  server = await startServer({ outbox });
  ls = new LightsailClient(server.clientConfig);
});
after(async () => {
  ls?.destroy();
  await server?.stop();
  rmSync(outbox, { recursive: true, force: true });
});

const mails = () => readdirSync(outbox).filter((f) => f.endsWith(".eml")).sort().map((f) => readFileSync(join(outbox, f), "utf8"));
const texts = () => readdirSync(outbox).filter((f) => f.endsWith(".sms.json")).sort().map((f) => JSON.parse(readFileSync(join(outbox, f), "utf8")) as { to: string; text: string });

/** Email is sent off the request path: wait for the outbox to hold `n` messages. */
async function waitForMails(n: number): Promise<string[]> {
  for (let i = 0; i < 200 && mails().length < n; i++) await new Promise((r) => setTimeout(r, 25));
  return mails();
}

test("CreateContactMethod: an email gets a verification link; opening it makes the contact Valid", async () => {
  await ls.send(new CreateContactMethodCommand({ protocol: "Email", contactEndpoint: "ops@example.com" }));
  let cm = (await ls.send(new GetContactMethodsCommand({}))).contactMethods!.find((c) => c.protocol === "Email")!;
  assert.equal(cm.status, "PendingVerification");
  assert.equal(cm.contactEndpoint, "ops@example.com");
  assert.equal(cm.resourceType, "ContactMethod");
  const [mail] = await waitForMails(1);
  assert.match(mail!, /^To: ops@example\.com$/m);
  const link = /(http:\/\/\S+\/_aws\/lightsail\/verify-contact\?token=\S+)/.exec(mail!)![1]!;
  assert.equal((await fetch(link.replace("token=", "token=x"))).status, 404);
  await ls.send(new SendContactMethodVerificationCommand({ protocol: "Email" }));
  const resent = await waitForMails(2);
  assert.equal((await fetch(link)).status, 404, "a new verification replaces the old link");
  const fresh = /(http:\/\/\S+\/_aws\/lightsail\/verify-contact\?token=\S+)/.exec(resent[1]!)![1]!;
  const page = await fetch(fresh);
  assert.equal(page.status, 200);
  cm = (await ls.send(new GetContactMethodsCommand({ protocols: ["Email"] }))).contactMethods![0]!;
  assert.equal(cm.status, "Valid");
  await assert.rejects(ls.send(new SendContactMethodVerificationCommand({ protocol: "Email" })), (e: Error) => e.name === "InvalidInputException");
});

test("CreateContactMethod: SMS needs no verification; bad endpoints and duplicates are refused", async () => {
  await ls.send(new CreateContactMethodCommand({ protocol: "SMS", contactEndpoint: "+15555550100" }));
  const sms = (await ls.send(new GetContactMethodsCommand({ protocols: ["SMS"] }))).contactMethods![0]!;
  assert.equal(sms.status, "Valid");
  await assert.rejects(ls.send(new CreateContactMethodCommand({ protocol: "SMS", contactEndpoint: "+15555550100" })), /already exists/);
  await assert.rejects(ls.send(new CreateContactMethodCommand({ protocol: "Email", contactEndpoint: "not-an-email" })), (e: Error) => e.name === "InvalidInputException");
  await assert.rejects(ls.send(new SendContactMethodVerificationCommand({ protocol: "SMS" as "Email" })), /don't need to be verified/);
});

test("PutAlarm: validation against the monitored resource and AWS's enums", async () => {
  await assert.rejects(
    ls.send(new PutAlarmCommand({ alarmName: "a1", metricName: "CPUUtilization", monitoredResourceName: "nothing-here", comparisonOperator: "GreaterThanThreshold", threshold: 1, evaluationPeriods: 1 })),
    (e: Error) => e.name === "NotFoundException",
  );
});

test("TestAlarm: the alarm's state changes and its Email and SMS contacts are notified", { skip: !findPostgres() && "needs a monitored resource: PostgreSQL (Debian package postgresql) is not installed" }, async () => {
  await ls.send(new CreateRelationalDatabaseCommand({ relationalDatabaseName: "alarmed-db", relationalDatabaseBlueprintId: "postgres_16", relationalDatabaseBundleId: "micro_2_0", masterDatabaseName: "app", masterUsername: "dbmaster" }));
  try {
    await assert.rejects(
      ls.send(new PutAlarmCommand({ alarmName: "db-cpu", metricName: "NetworkIn", monitoredResourceName: "alarmed-db", comparisonOperator: "GreaterThanThreshold", threshold: 1, evaluationPeriods: 1 })),
      /can't be monitored for a RelationalDatabase/,
    );
    await ls.send(
      new PutAlarmCommand({ alarmName: "db-cpu", metricName: "CPUUtilization", monitoredResourceName: "alarmed-db", comparisonOperator: "GreaterThanOrEqualToThreshold", threshold: 80, evaluationPeriods: 2, contactProtocols: ["Email", "SMS"], notificationTriggers: ["ALARM", "OK"] }),
    );
    const alarm = (await ls.send(new GetAlarmsCommand({ alarmName: "db-cpu" }))).alarms![0]!;
    assert.equal(alarm.state, "INSUFFICIENT_DATA");
    assert.equal(alarm.period, 300);
    assert.equal(alarm.statistic, "Average");
    assert.equal(alarm.unit, "Percent");
    assert.equal(alarm.datapointsToAlarm, 2);
    assert.deepEqual(alarm.monitoredResourceInfo, { arn: alarm.monitoredResourceInfo!.arn, name: "alarmed-db", resourceType: "RelationalDatabase" });
    const before = mails().length;
    await ls.send(new TestAlarmCommand({ alarmName: "db-cpu", state: "ALARM" }));
    assert.equal((await ls.send(new GetAlarmsCommand({ monitoredResourceName: "alarmed-db" }))).alarms![0]!.state, "ALARM");
    const all = await waitForMails(before + 1);
    assert.match(all[all.length - 1]!, /^Subject: ALARM: "db-cpu" in us-east-1 \(test\)$/m);
    assert.ok(texts().some((t) => t.to === "+15555550100" && /ALARM: "db-cpu"/.test(t.text)));
    await ls.send(new DeleteAlarmCommand({ alarmName: "db-cpu" }));
    await assert.rejects(ls.send(new GetAlarmsCommand({ alarmName: "db-cpu" })), (e: Error) => e.name === "NotFoundException");
  } finally {
    await ls.send(new DeleteRelationalDatabaseCommand({ relationalDatabaseName: "alarmed-db" }));
  }
});

test("DeleteContactMethod: the contact is gone", async () => {
  await ls.send(new DeleteContactMethodCommand({ protocol: "SMS" }));
  assert.deepEqual((await ls.send(new GetContactMethodsCommand({ protocols: ["SMS"] }))).contactMethods, []);
});

test("CreateContactMethod: with --smtp-url the verification email goes to the SMTP server", async () => {
  const received: string[] = [];
  const smtp: Server = createServer((sock) => {
    let data = false;
    let buf = "";
    sock.write("220 test ESMTP\r\n");
    sock.on("data", (chunk) => {
      buf += chunk.toString();
      let i;
      while ((i = buf.indexOf("\r\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (data) {
          if (line === ".") {
            data = false;
            sock.write("250 queued\r\n");
          } else received.push(line);
        } else if (line === "DATA") {
          data = true;
          sock.write("354 go ahead\r\n");
        } else if (line === "QUIT") sock.end("221 bye\r\n");
        else sock.write("250 ok\r\n");
      }
    });
  });
  await new Promise<void>((r) => smtp.listen(0, "127.0.0.1", () => r()));
  const other = await startServer({ "smtp-url": `smtp://127.0.0.1:${(smtp.address() as { port: number }).port}` });
  const client = new LightsailClient(other.clientConfig);
  try {
    await client.send(new CreateContactMethodCommand({ protocol: "Email", contactEndpoint: "dev@example.com" }));
    for (let i = 0; i < 200 && !received.some((l) => l.includes("verify-contact")); i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(received.includes("To: dev@example.com"));
    assert.ok(received.some((l) => l.includes("/_aws/lightsail/verify-contact?token=")));
  } finally {
    client.destroy();
    await other.stop();
    await new Promise<void>((r) => smtp.close(() => r()));
  }
});
