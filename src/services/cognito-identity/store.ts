/**
 * Cognito identity pool tables. Pools keep their AWS shape (plus Roles/RoleMappings) as a JSON body; identities
 * keep the logins linked to them; `cognito_identity_logins` finds the identity of a (pool, provider, subject) so
 * the same user gets the same IdentityId on every GetId. The key that signs OpenID tokens (GetOpenIdToken) is one
 * row, made on first use, so tokens stay valid across a restart.
 */
import type { Statement, Store } from "../../store/store.js";

export interface PoolRow { id: string; account: string; region: string; name: string; body: string }
export interface IdentityRow { id: string; pool_id: string; created: number; modified: number; logins: string }

const SCHEMA = [
  `CREATE TABLE cognito_identity_pools (id TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, body TEXT NOT NULL);
   CREATE INDEX cognito_identity_pools_scope ON cognito_identity_pools(account, region, id);
   CREATE TABLE cognito_identity_identities (id TEXT PRIMARY KEY, pool_id TEXT NOT NULL, created INTEGER NOT NULL, modified INTEGER NOT NULL, logins TEXT NOT NULL);
   CREATE INDEX cognito_identity_identities_pool ON cognito_identity_identities(pool_id, id);
   CREATE TABLE cognito_identity_logins (pool_id TEXT NOT NULL, login TEXT NOT NULL, identity_id TEXT NOT NULL, PRIMARY KEY (pool_id, login));
   CREATE INDEX cognito_identity_logins_identity ON cognito_identity_logins(identity_id);
   CREATE TABLE cognito_identity_keys (id TEXT PRIMARY KEY, jwk TEXT NOT NULL);`,
];

export class IdentityStore {
  readonly s: Record<string, Statement>;

  constructor(readonly store: Store) {
    store.migrate("cognito-identity", SCHEMA);
    const p = (sql: string) => store.db.prepare(sql);
    this.s = {
      poolGet: p("SELECT * FROM cognito_identity_pools WHERE id = ?"),
      poolList: p("SELECT id, name FROM cognito_identity_pools WHERE account = ? AND region = ? AND id > ? ORDER BY id LIMIT ?"),
      poolPut: p("INSERT INTO cognito_identity_pools (id, account, region, name, body) VALUES (@id, @account, @region, @name, @body) ON CONFLICT(id) DO UPDATE SET name = excluded.name, body = excluded.body"),
      poolDelete: p("DELETE FROM cognito_identity_pools WHERE id = ?"),
      identityGet: p("SELECT * FROM cognito_identity_identities WHERE id = ?"),
      identityList: p("SELECT * FROM cognito_identity_identities WHERE pool_id = ? AND id > ? ORDER BY id LIMIT ?"),
      identityPut: p("INSERT INTO cognito_identity_identities (id, pool_id, created, modified, logins) VALUES (@id, @pool_id, @created, @modified, @logins) ON CONFLICT(id) DO UPDATE SET modified = excluded.modified, logins = excluded.logins"),
      identityDelete: p("DELETE FROM cognito_identity_identities WHERE id = ?"),
      identitiesOfPoolDelete: p("DELETE FROM cognito_identity_identities WHERE pool_id = ?"),
      loginGet: p("SELECT identity_id FROM cognito_identity_logins WHERE pool_id = ? AND login = ?"),
      loginPut: p("INSERT OR REPLACE INTO cognito_identity_logins (pool_id, login, identity_id) VALUES (?, ?, ?)"),
      loginsOfIdentityDelete: p("DELETE FROM cognito_identity_logins WHERE identity_id = ?"),
      loginsOfPoolDelete: p("DELETE FROM cognito_identity_logins WHERE pool_id = ?"),
      keyGet: p("SELECT jwk FROM cognito_identity_keys WHERE id = 'openid'"),
      keyPut: p("INSERT OR IGNORE INTO cognito_identity_keys (id, jwk) VALUES ('openid', ?)"),
    };
  }
}
