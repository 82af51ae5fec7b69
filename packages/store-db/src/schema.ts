/**
 * Nix's store database schema, version 10 (Nix 2.8 src/libstore/schema.sql). The text is kept
 * identical to what Nix creates, so `sqlite3 db.sqlite .schema` prints the same thing for a
 * database created by us or by Nix.
 */

/** The schema version Nix 2.8 writes to `<state>/db/schema` and that we read and write. */
export const SCHEMA_VERSION = 10

/** Name of the SQLite file inside the database directory (`<state>/db`). */
export const DB_FILE_NAME = 'db.sqlite'
/** Name of the schema version file inside the database directory. */
export const SCHEMA_FILE_NAME = 'schema'

/** Nix's `sqlite3_busy_timeout`: one hour; writers queue rather than fail. */
export const BUSY_TIMEOUT_MS = 60 * 60 * 1000
/** Nix's `pragma wal_autocheckpoint`. */
export const WAL_AUTOCHECKPOINT_PAGES = 40000

/** The DDL, statement by statement, exactly as Nix's schema.sql stores it in sqlite_master. */
export const SCHEMA_SQL: string = `create table if not exists ValidPaths (
    id               integer primary key autoincrement not null,
    path             text unique not null,
    hash             text not null,
    registrationTime integer not null,
    deriver          text,
    narSize          integer,
    ultimate         integer, -- null implies "false"
    sigs             text, -- space-separated
    ca               text -- if not null, an assertion that the path is content-addressed; see ValidPathInfo
);

create table if not exists Refs (
    referrer  integer not null,
    reference integer not null,
    primary key (referrer, reference),
    foreign key (referrer) references ValidPaths(id) on delete cascade,
    foreign key (reference) references ValidPaths(id) on delete restrict
);

create index if not exists IndexReferrer on Refs(referrer);
create index if not exists IndexReference on Refs(reference);

-- A self-reference (N, N) would block deleting row N through 'on delete restrict':
-- drop it first.
create trigger if not exists DeleteSelfRefs before delete on ValidPaths
  begin
    delete from Refs where referrer = old.id and reference = old.id;
  end;

create table if not exists DerivationOutputs (
    drv  integer not null,
    id   text not null, -- symbolic output id, usually "out"
    path text not null,
    primary key (drv, id),
    foreign key (drv) references ValidPaths(id) on delete cascade
);

create index if not exists IndexDerivationOutputs on DerivationOutputs(path);
`
