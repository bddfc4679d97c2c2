/**
 * IAM tables in the embedded store. IAM is global: rows are scoped by account only.
 *
 * - `iam_entities`: every named IAM object as one JSON body — users, groups, roles, customer managed policies
 *   (with their versions), instance profiles, OIDC/SAML providers, login profiles, MFA devices, the account
 *   alias and password policy. `name` is the lower-cased name (IAM names are unique without regard to case).
 * - `iam_access_keys`: users' long-term keys; loaded into the CredentialRegistry at start (the service starts at
 *   boot when the table has rows, see index.ts) so a restarted server still recognises them.
 *
 * Every write bumps `generation`, which the authorizer's decision cache and identity cache compare against.
 */
import type { Store } from "../../store/store.js";

export type EntityKind = "user" | "group" | "role" | "policy" | "instance-profile" | "oidc" | "saml" | "login-profile" | "mfa" | "account";

export interface AccessKeyRow {
  id: string;
  account: string;
  user: string;
  secret: string;
  status: "Active" | "Inactive";
  created: number;
}

const SCHEMA = [
  `CREATE TABLE iam_entities (
     account TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL, body TEXT NOT NULL,
     PRIMARY KEY (account, kind, name)
   ) WITHOUT ROWID;
   CREATE TABLE iam_access_keys (
     id TEXT PRIMARY KEY, account TEXT NOT NULL, user TEXT NOT NULL, secret TEXT NOT NULL,
     status TEXT NOT NULL, created INTEGER NOT NULL
   );
   CREATE INDEX iam_access_keys_user ON iam_access_keys(account, user);`,
];

export class IamStore {
  /** Bumped on every write: caches derived from IAM state compare it. */
  generation = 0;
  private readonly s;

  constructor(store: Store) {
    store.migrate("iam", SCHEMA);
    const p = (sql: string) => store.db.prepare(sql);
    this.s = {
      get: p("SELECT body FROM iam_entities WHERE account = ? AND kind = ? AND name = ?"),
      put: p("INSERT INTO iam_entities(account, kind, name, body) VALUES (?, ?, ?, ?) ON CONFLICT(account, kind, name) DO UPDATE SET body = excluded.body"),
      del: p("DELETE FROM iam_entities WHERE account = ? AND kind = ? AND name = ?"),
      list: p("SELECT body FROM iam_entities WHERE account = ? AND kind = ? ORDER BY name"),
      keyGet: p("SELECT * FROM iam_access_keys WHERE id = ?"),
      keyPut: p("INSERT INTO iam_access_keys(id, account, user, secret, status, created) VALUES (@id, @account, @user, @secret, @status, @created) ON CONFLICT(id) DO UPDATE SET status = excluded.status"),
      keyDel: p("DELETE FROM iam_access_keys WHERE id = ?"),
      keysOf: p("SELECT * FROM iam_access_keys WHERE account = ? AND user = ? ORDER BY created, id"),
      keysAll: p("SELECT * FROM iam_access_keys"),
    };
    store.onReset(() => this.generation++);
  }

  get<T>(account: string, kind: EntityKind, name: string): T | undefined {
    const row = this.s.get.get(account, kind, name.toLowerCase()) as { body: string } | undefined;
    return row ? (JSON.parse(row.body) as T) : undefined;
  }

  put(account: string, kind: EntityKind, name: string, body: object): void {
    this.s.put.run(account, kind, name.toLowerCase(), JSON.stringify(body));
    this.generation++;
  }

  delete(account: string, kind: EntityKind, name: string): void {
    this.s.del.run(account, kind, name.toLowerCase());
    this.generation++;
  }

  list<T>(account: string, kind: EntityKind): T[] {
    return (this.s.list.all(account, kind) as Array<{ body: string }>).map((r) => JSON.parse(r.body) as T);
  }

  key(id: string): AccessKeyRow | undefined {
    return this.s.keyGet.get(id) as AccessKeyRow | undefined;
  }

  putKey(row: AccessKeyRow): void {
    this.s.keyPut.run(row);
    this.generation++;
  }

  deleteKey(id: string): void {
    this.s.keyDel.run(id);
    this.generation++;
  }

  keysOf(account: string, user: string): AccessKeyRow[] {
    return this.s.keysOf.all(account, user.toLowerCase()) as AccessKeyRow[];
  }

  allKeys(): AccessKeyRow[] {
    return this.s.keysAll.all() as AccessKeyRow[];
  }
}
