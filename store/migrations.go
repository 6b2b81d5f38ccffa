package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// migration is one versioned change of the schema. Its SQL may hold {{key}} for a text
// column compared in byte order on every dialect and {{bytes}} for binary data;
// statements are separated by ";\n".
type migration struct {
	version int
	name    string
	sql     string
}

// migrations are applied in order, each in its own transaction, and never edited once
// released: a change of schema is a new migration.
var migrations = []migration{
	{1, "event log and catalog", `
CREATE TABLE event_log (
	id           BIGINT PRIMARY KEY,
	type         TEXT NOT NULL,
	ts           BIGINT NOT NULL,
	run_id       TEXT,
	asset_key    {{key}},
	partition    TEXT,
	data_version TEXT,
	description  TEXT,
	check_name   TEXT,
	passed       BOOLEAN,
	severity     TEXT,
	level        TEXT,
	message      TEXT,
	metadata     TEXT
);
CREATE INDEX event_log_asset ON event_log (asset_key, id) WHERE asset_key IS NOT NULL;
CREATE INDEX event_log_asset_check ON event_log (asset_key, check_name, id) WHERE check_name IS NOT NULL;
CREATE INDEX event_log_asset_partition ON event_log (asset_key, partition, id) WHERE partition IS NOT NULL;
CREATE INDEX event_log_run ON event_log (run_id, id) WHERE run_id IS NOT NULL;
CREATE INDEX event_log_type ON event_log (type, id);
CREATE INDEX event_log_ts ON event_log (ts);

CREATE TABLE assets (
	key                     {{key}} PRIMARY KEY,
	spec                    TEXT,
	location                TEXT NOT NULL DEFAULT '',
	group_name              TEXT,
	owners                  TEXT,
	kinds                   TEXT,
	tags                    TEXT,
	last_materialization_id BIGINT,
	last_observation_id     BIGINT,
	last_failure_id         BIGINT,
	last_event_id           BIGINT,
	created_at              BIGINT NOT NULL,
	updated_at              BIGINT NOT NULL
);
CREATE INDEX assets_location ON assets (location, key);

CREATE TABLE asset_partitions (
	asset_key               {{key}} NOT NULL,
	partition               {{key}} NOT NULL,
	last_materialization_id BIGINT,
	last_observation_id     BIGINT,
	updated_at              BIGINT NOT NULL,
	PRIMARY KEY (asset_key, partition)
);

CREATE TABLE asset_checks (
	asset_key          {{key}} NOT NULL,
	name               {{key}} NOT NULL,
	spec               TEXT,
	last_evaluation_id BIGINT,
	passed             BOOLEAN,
	severity           TEXT,
	partition          TEXT,
	updated_at         BIGINT NOT NULL,
	PRIMARY KEY (asset_key, name)
);

CREATE TABLE asset_edges (
	upstream   {{key}} NOT NULL,
	downstream {{key}} NOT NULL,
	source     TEXT NOT NULL,
	PRIMARY KEY (downstream, upstream, source)
);
CREATE INDEX asset_edges_upstream ON asset_edges (upstream, downstream);

CREATE TABLE catalog_state (
	id      INTEGER PRIMARY KEY,
	version BIGINT NOT NULL
);
INSERT INTO catalog_state (id, version) VALUES (1, 0)`},
	{2, "runs and their output", `
CREATE TABLE runs (
	id           {{key}} PRIMARY KEY,
	seq          BIGINT NOT NULL UNIQUE,
	status       TEXT NOT NULL,
	asset_keys   TEXT NOT NULL,
	partition    TEXT,
	tags         TEXT,
	launched_by  TEXT,
	launch       TEXT NOT NULL,
	created_at   BIGINT NOT NULL,
	started_at   BIGINT,
	ended_at     BIGINT,
	worker       TEXT,
	heartbeat_at BIGINT,
	pid          BIGINT,
	exit_code    INTEGER,
	message      TEXT
);
CREATE INDEX runs_status ON runs (status, seq);
CREATE INDEX runs_created ON runs (created_at);

CREATE TABLE run_assets (
	asset_key {{key}} NOT NULL,
	seq       BIGINT NOT NULL,
	run_id    {{key}} NOT NULL,
	PRIMARY KEY (asset_key, seq)
);

CREATE TABLE run_output (
	run_id {{key}} NOT NULL,
	stream TEXT NOT NULL,
	start  BIGINT NOT NULL,
	data   {{bytes}} NOT NULL,
	PRIMARY KEY (run_id, stream, start)
)`},
}

const migrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	applied_at BIGINT NOT NULL
)`

// migrate applies the migrations this database has not seen, each in a transaction. On
// PostgreSQL an advisory lock keeps replicas starting together from racing.
func (s *Store) migrate(ctx context.Context) error {
	db := s.db.WithContext(ctx)
	if err := db.Exec(migrationsTable).Error; err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	for _, m := range migrations {
		err := db.Transaction(func(tx *gorm.DB) error {
			if s.postgres {
				if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", lockKey(s.schema, lockMigrate)).Error; err != nil {
					return err
				}
			}
			var n int64
			if err := tx.Raw("SELECT COUNT(*) FROM schema_migrations WHERE version = ?", m.version).Scan(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			key, bytes := "TEXT", "BLOB"
			if s.postgres {
				key, bytes = `TEXT COLLATE "C"`, "BYTEA"
			}
			sql := strings.NewReplacer("{{key}}", key, "{{bytes}}", bytes).Replace(m.sql)
			for _, stmt := range strings.Split(sql, ";\n") {
				if strings.TrimSpace(stmt) == "" {
					continue
				}
				if err := tx.Exec(stmt).Error; err != nil {
					return fmt.Errorf("%s: %w", firstLine(stmt), err)
				}
			}
			return tx.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
				m.version, m.name, time.Now().UnixMicro()).Error
		})
		if err != nil {
			return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
		}
	}
	return nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
