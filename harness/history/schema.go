package history

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are the schema's versions in order: migrations[i] takes a
// database from user_version i to i+1. Append; never edit one that shipped.
var migrations = []string{
	// 1: runs, their images, objectives and distributions.
	`CREATE TABLE runs (
		id         INTEGER PRIMARY KEY,
		run_id     TEXT    NOT NULL UNIQUE,
		plan       TEXT    NOT NULL,
		plan_path  TEXT    NOT NULL,
		started_ns INTEGER NOT NULL,
		verdict    TEXT    NOT NULL,
		outcome    TEXT    NOT NULL
	);
	CREATE INDEX runs_by_plan ON runs (plan, started_ns);
	CREATE TABLE images (
		run       INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
		service   TEXT    NOT NULL,
		reference TEXT    NOT NULL,
		digest    TEXT    NOT NULL
	);
	CREATE TABLE objectives (
		run          INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
		check_name   TEXT    NOT NULL,
		name         TEXT    NOT NULL,
		observed     REAL    NOT NULL,
		budget       REAL    NOT NULL,
		unit         TEXT    NOT NULL,
		bound        TEXT    NOT NULL,
		status       TEXT    NOT NULL,
		distribution TEXT    NOT NULL,
		PRIMARY KEY (run, check_name, name)
	);
	CREATE INDEX objectives_by_name ON objectives (check_name, name);
	CREATE TABLE distributions (
		run        INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
		check_name TEXT    NOT NULL,
		name       TEXT    NOT NULL,
		scheme     TEXT    NOT NULL,
		buckets    BLOB    NOT NULL,
		PRIMARY KEY (run, check_name, name)
	);`,
}

// SchemaVersion is the schema version this package writes.
var SchemaVersion = len(migrations)

// migrate brings db to SchemaVersion. Each step runs in its own write
// transaction and reads the version again inside it, so two processes
// opening the same new file migrate it once.
func migrate(ctx context.Context, db *sql.DB) error {
	for {
		done, err := migrateOne(ctx, db)
		if err != nil || done {
			return err
		}
	}
}

// migrateOne applies the next migration; done when none is left.
func migrateOne(ctx context.Context, db *sql.DB) (done bool, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("begin migration: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return false, fmt.Errorf("read schema version: %w", err)
	}
	switch {
	case v == len(migrations):
		return true, nil
	case v > len(migrations):
		return false, fmt.Errorf("schema version %d is newer than this postflight's %d", v, len(migrations))
	}
	if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
		return false, fmt.Errorf("migrate schema to version %d: %w", v+1, err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
		return false, fmt.Errorf("set schema version %d: %w", v+1, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("commit schema version %d: %w", v+1, err)
	}
	return false, nil
}
