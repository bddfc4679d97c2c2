/**
 * Where Lightsail's emails and text messages go: an SMTP server (--smtp-url smtp://HOST:PORT; plain SMTP,
 * no auth or TLS — a local relay or a catcher such as MailHog) or, by default, files in the outbox
 * directory (<data dir>/outbox): one RFC 5322 `.eml` per email, one `.sms.json` per text message.
 * Text messages are always recorded in the outbox (no SMS gateway).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";

export interface Email {
  to: string;
  subject: string;
  text: string;
}

const FROM = "no-reply@lightsail.skyport.localhost";
const SMTP_TIMEOUT_MS = 15_000;

export class Mailer {
  private seq = 0;

  constructor(
    private readonly outbox: string,
    private readonly smtpUrl: string | undefined,
    private readonly now: () => number,
  ) {}

  private file(ext: string): string {
    mkdirSync(this.outbox, { recursive: true });
    const stamp = new Date(this.now()).toISOString().replace(/[:.]/g, "-");
    return join(this.outbox, `${stamp}-${process.pid}-${++this.seq}${ext}`);
  }

  /** The message as RFC 5322 text (CRLF line ends, headers without user-controlled newlines). */
  static format(m: Email, date: Date): string {
    const clean = (s: string) => s.replace(/[\r\n]+/g, " ");
    return [`From: Amazon Lightsail <${FROM}>`, `To: ${clean(m.to)}`, `Subject: ${clean(m.subject)}`, `Date: ${date.toUTCString()}`, "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "", m.text.replace(/\r?\n/g, "\r\n")].join("\r\n") + "\r\n";
  }

  /** Sends (or writes) an email; resolves to where it went. */
  async sendEmail(m: Email): Promise<string> {
    const body = Mailer.format(m, new Date(this.now()));
    if (!this.smtpUrl) {
      const f = this.file(".eml");
      writeFileSync(f, body);
      return f;
    }
    await smtpSend(this.smtpUrl, FROM, m.to, body);
    return this.smtpUrl;
  }

  /** Records a text message in the outbox. */
  sendSms(to: string, text: string): string {
    const f = this.file(".sms.json");
    writeFileSync(f, JSON.stringify({ to, text, sentAt: new Date(this.now()).toISOString() }) + "\n");
    return f;
  }
}

/** A minimal SMTP client (RFC 5321): EHLO, MAIL, RCPT, DATA with dot-stuffing, QUIT. */
export function smtpSend(url: string, from: string, to: string, message: string): Promise<void> {
  const u = new URL(url);
  const port = Number(u.port || 25);
  return new Promise((resolve, reject) => {
    const sock = connect(port, u.hostname);
    sock.setTimeout(SMTP_TIMEOUT_MS, () => sock.destroy(new Error(`SMTP server ${u.host} timed out`)));
    const data = message.replace(/^\./gm, "..") + ".\r\n";
    const steps: Array<[string | undefined, number]> = [
      [undefined, 220],
      ["EHLO skyport.localhost", 250],
      [`MAIL FROM:<${from}>`, 250],
      [`RCPT TO:<${to.replace(/[<>\r\n]/g, "")}>`, 250],
      ["DATA", 354],
      [data, 250],
      ["QUIT", 221],
    ];
    let i = 0;
    let buf = "";
    sock.on("error", reject);
    sock.on("data", (chunk: Buffer) => {
      buf += chunk.toString("latin1");
      if (buf.length > 65536) return sock.destroy(new Error("SMTP reply too long"));
      // A reply is complete at a line "NNN text" (not "NNN-text", a continuation).
      const lines = buf.split("\r\n");
      const last = lines.slice(0, -1).reverse().find((l) => /^\d{3}[ ]/.test(l) || /^\d{3}$/.test(l));
      if (!last) return;
      buf = "";
      const code = Number(last.slice(0, 3));
      const [, want] = steps[i]!;
      if (code !== want) {
        sock.destroy();
        return reject(new Error(`SMTP server ${u.host} answered "${last.slice(0, 200)}"`));
      }
      i++;
      if (i >= steps.length) {
        sock.end();
        return resolve();
      }
      const [cmd] = steps[i]!;
      sock.write(cmd!.endsWith("\r\n") ? cmd! : `${cmd}\r\n`);
    });
  });
}
