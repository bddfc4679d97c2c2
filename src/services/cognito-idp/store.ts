/**
 * Cognito user pool tables. Pools, clients, groups and resource servers keep their AWS shape as a JSON body
 * (they are read whole, rarely listed in bulk); users keep the columns sign-in looks them up by (case-folded
 * username key, sub, email, phone) beside their attributes. Sessions are the sign-ins: one row per refresh
 * token (stored as its SHA-256), keyed by the origin_jti every token of that sign-in carries, so GlobalSignOut
 * revokes refresh, ID and access tokens at once. Challenges are the pending multi-step sign-ins (SRP,
 * NEW_PASSWORD_REQUIRED), keyed by the opaque Session string handed to the client.
 */
import type { Statement, Store } from "../../store/store.js";

export interface PoolRow { id: string; account: string; region: string; name: string; created: number; body: string; jwk: string }
export interface ClientRow { id: string; pool_id: string; name: string; body: string }
export interface UserRow {
  pool_id: string; ukey: string; username: string; sub: string; email: string | null; phone: string | null;
  status: string; enabled: number; created: number; modified: number; attrs: string; secret: string; extra: string;
}
export interface SessionRow { origin_jti: string; pool_id: string; username: string; client_id: string; refresh_hash: string; auth_time: number; expires: number; revoked: number }
export interface ChallengeRow { session: string; pool_id: string; client_id: string; username: string; kind: string; data: string; expires: number }

const SCHEMA = [
  `CREATE TABLE cognito_pools (id TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
     created INTEGER NOT NULL, body TEXT NOT NULL, jwk TEXT NOT NULL);
   CREATE INDEX cognito_pools_scope ON cognito_pools(account, region, id);
   CREATE TABLE cognito_clients (id TEXT PRIMARY KEY, pool_id TEXT NOT NULL, name TEXT NOT NULL, body TEXT NOT NULL);
   CREATE INDEX cognito_clients_pool ON cognito_clients(pool_id, id);
   CREATE TABLE cognito_users (pool_id TEXT NOT NULL, ukey TEXT NOT NULL, username TEXT NOT NULL, sub TEXT NOT NULL,
     email TEXT, phone TEXT, status TEXT NOT NULL, enabled INTEGER NOT NULL, created INTEGER NOT NULL, modified INTEGER NOT NULL,
     attrs TEXT NOT NULL, secret TEXT NOT NULL, extra TEXT NOT NULL, PRIMARY KEY (pool_id, ukey));
   CREATE INDEX cognito_users_sub ON cognito_users(pool_id, sub);
   CREATE INDEX cognito_users_email ON cognito_users(pool_id, email);
   CREATE INDEX cognito_users_phone ON cognito_users(pool_id, phone);
   CREATE TABLE cognito_groups (pool_id TEXT NOT NULL, name TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (pool_id, name));
   CREATE TABLE cognito_members (pool_id TEXT NOT NULL, group_name TEXT NOT NULL, username TEXT NOT NULL,
     PRIMARY KEY (pool_id, group_name, username));
   CREATE INDEX cognito_members_user ON cognito_members(pool_id, username);
   CREATE TABLE cognito_sessions (origin_jti TEXT PRIMARY KEY, pool_id TEXT NOT NULL, username TEXT NOT NULL, client_id TEXT NOT NULL,
     refresh_hash TEXT NOT NULL UNIQUE, auth_time INTEGER NOT NULL, expires INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);
   CREATE INDEX cognito_sessions_user ON cognito_sessions(pool_id, username);
   CREATE TABLE cognito_challenges (session TEXT PRIMARY KEY, pool_id TEXT NOT NULL, client_id TEXT NOT NULL, username TEXT NOT NULL,
     kind TEXT NOT NULL, data TEXT NOT NULL, expires INTEGER NOT NULL);
   CREATE TABLE cognito_resource_servers (pool_id TEXT NOT NULL, identifier TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (pool_id, identifier));`,
];

export class CognitoStore {
  readonly s: Record<string, Statement>;

  constructor(readonly store: Store) {
    store.migrate("cognito-idp", SCHEMA);
    const db = store.db;
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      poolGet: p("SELECT * FROM cognito_pools WHERE id = ?"),
      poolList: p("SELECT * FROM cognito_pools WHERE account = ? AND region = ? AND id > ? ORDER BY id LIMIT ?"),
      poolPut: p("INSERT INTO cognito_pools (id, account, region, name, created, body, jwk) VALUES (@id, @account, @region, @name, @created, @body, @jwk) ON CONFLICT(id) DO UPDATE SET name = excluded.name, body = excluded.body"),
      poolDelete: p("DELETE FROM cognito_pools WHERE id = ?"),
      clientGet: p("SELECT * FROM cognito_clients WHERE id = ?"),
      clientList: p("SELECT * FROM cognito_clients WHERE pool_id = ? AND id > ? ORDER BY id LIMIT ?"),
      clientPut: p("INSERT INTO cognito_clients (id, pool_id, name, body) VALUES (@id, @pool_id, @name, @body) ON CONFLICT(id) DO UPDATE SET name = excluded.name, body = excluded.body"),
      clientDelete: p("DELETE FROM cognito_clients WHERE id = ?"),
      userGet: p("SELECT * FROM cognito_users WHERE pool_id = ? AND ukey = ?"),
      userBySub: p("SELECT * FROM cognito_users WHERE pool_id = ? AND sub = ?"),
      usersByEmail: p("SELECT * FROM cognito_users WHERE pool_id = ? AND email = ? LIMIT 2"),
      usersByPhone: p("SELECT * FROM cognito_users WHERE pool_id = ? AND phone = ? LIMIT 2"),
      userList: p("SELECT * FROM cognito_users WHERE pool_id = ? AND ukey > ? ORDER BY ukey"),
      userCount: p("SELECT count(*) AS n FROM cognito_users WHERE pool_id = ?"),
      userPut: p(`INSERT INTO cognito_users (pool_id, ukey, username, sub, email, phone, status, enabled, created, modified, attrs, secret, extra)
        VALUES (@pool_id, @ukey, @username, @sub, @email, @phone, @status, @enabled, @created, @modified, @attrs, @secret, @extra)
        ON CONFLICT(pool_id, ukey) DO UPDATE SET email = excluded.email, phone = excluded.phone, status = excluded.status, enabled = excluded.enabled,
        modified = excluded.modified, attrs = excluded.attrs, secret = excluded.secret, extra = excluded.extra`),
      userDelete: p("DELETE FROM cognito_users WHERE pool_id = ? AND ukey = ?"),
      groupGet: p("SELECT * FROM cognito_groups WHERE pool_id = ? AND name = ?"),
      groupList: p("SELECT * FROM cognito_groups WHERE pool_id = ? AND name > ? ORDER BY name LIMIT ?"),
      groupPut: p("INSERT INTO cognito_groups (pool_id, name, body) VALUES (?, ?, ?) ON CONFLICT(pool_id, name) DO UPDATE SET body = excluded.body"),
      groupDelete: p("DELETE FROM cognito_groups WHERE pool_id = ? AND name = ?"),
      memberAdd: p("INSERT OR IGNORE INTO cognito_members (pool_id, group_name, username) VALUES (?, ?, ?)"),
      memberRemove: p("DELETE FROM cognito_members WHERE pool_id = ? AND group_name = ? AND username = ?"),
      membersOfGroup: p("SELECT username FROM cognito_members WHERE pool_id = ? AND group_name = ? AND username > ? ORDER BY username LIMIT ?"),
      groupsOfUser: p("SELECT g.body FROM cognito_members m JOIN cognito_groups g ON g.pool_id = m.pool_id AND g.name = m.group_name WHERE m.pool_id = ? AND m.username = ? ORDER BY g.name"),
      membersDeleteUser: p("DELETE FROM cognito_members WHERE pool_id = ? AND username = ?"),
      membersDeleteGroup: p("DELETE FROM cognito_members WHERE pool_id = ? AND group_name = ?"),
      sessionPut: p("INSERT INTO cognito_sessions (origin_jti, pool_id, username, client_id, refresh_hash, auth_time, expires) VALUES (@origin_jti, @pool_id, @username, @client_id, @refresh_hash, @auth_time, @expires)"),
      sessionByRefresh: p("SELECT * FROM cognito_sessions WHERE refresh_hash = ?"),
      sessionGet: p("SELECT * FROM cognito_sessions WHERE origin_jti = ?"),
      sessionsRevokeUser: p("UPDATE cognito_sessions SET revoked = 1 WHERE pool_id = ? AND username = ?"),
      sessionRevoke: p("UPDATE cognito_sessions SET revoked = 1 WHERE origin_jti = ?"),
      sessionsDeleteExpired: p("DELETE FROM cognito_sessions WHERE expires < ?"),
      challengePut: p("INSERT INTO cognito_challenges (session, pool_id, client_id, username, kind, data, expires) VALUES (@session, @pool_id, @client_id, @username, @kind, @data, @expires)"),
      challengeGet: p("SELECT * FROM cognito_challenges WHERE session = ?"),
      challengeDelete: p("DELETE FROM cognito_challenges WHERE session = ?"),
      challengesDeleteExpired: p("DELETE FROM cognito_challenges WHERE expires < ?"),
      rsGet: p("SELECT * FROM cognito_resource_servers WHERE pool_id = ? AND identifier = ?"),
      rsList: p("SELECT * FROM cognito_resource_servers WHERE pool_id = ? AND identifier > ? ORDER BY identifier LIMIT ?"),
      rsPut: p("INSERT INTO cognito_resource_servers (pool_id, identifier, body) VALUES (?, ?, ?) ON CONFLICT(pool_id, identifier) DO UPDATE SET body = excluded.body"),
      rsDelete: p("DELETE FROM cognito_resource_servers WHERE pool_id = ? AND identifier = ?"),
    };
  }

  /** Removes a pool and everything in it. */
  deletePool(id: string): void {
    const db = this.store.db;
    db.transaction(() => {
      for (const t of ["cognito_clients", "cognito_users", "cognito_groups", "cognito_members", "cognito_sessions", "cognito_challenges", "cognito_resource_servers"]) {
        db.prepare(`DELETE FROM ${t} WHERE pool_id = ?`).run(id);
      }
      this.s.poolDelete!.run(id);
    })();
  }
}
