// Package store keeps Plumbline's event log and catalog in SQL through GORM, on SQLite
// (embedded, the default) or PostgreSQL. The event log is append-only; every derived table
// (asset latest pointers, partitions, check state, edges) is updated in the transaction
// that appends the events it derives from.
package store

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/plumbline/plumbline"
)

// Advisory locks (PostgreSQL). Appends hold the append lock for their transaction so that
// storage ids are committed in order, which lets readers page by id without gaps.
// Advisory locks belong to the whole database, so the keys are derived from the schema:
// deployments in different schemas of one database never wait for each other.
const (
	lockAppend  = "append"
	lockMigrate = "migrate"
)

// lockKey returns the advisory lock key of a lock in a schema.
func lockKey(schema, lock string) int64 {
	h := fnv.New64a()
	h.Write([]byte("plumbline\x00" + schema + "\x00" + lock))
	return int64(h.Sum64())
}

// Config says which database to open.
type Config struct {
	// DatabaseURL is a postgres:// URL; empty means SQLite in DataDir.
	DatabaseURL string
	// DataDir holds the SQLite database file (plumbline.db).
	DataDir string
	// MaxOpenConns bounds the connection pool (default 16 on PostgreSQL, 8 on SQLite).
	MaxOpenConns int
	Logger       *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Store implements the domain's EventLog and Catalog.
type Store struct {
	db       *gorm.DB
	postgres bool
	log      *slog.Logger
	now      func() time.Time
	writes   chan *writeReq
	stop     chan struct{}
	done     chan struct{}
	closeMu  sync.Once

	closeLock sync.RWMutex // held for writing by Close, for reading while queuing a write
	closed    bool

	knownMu sync.RWMutex
	known   map[string]struct{} // asset keys known to exist (rows are never deleted)

	graphMu sync.Mutex
	graph   *plumbline.AssetGraph

	specs specCache // decoded specs, by their text

	schema   string                                         // the PostgreSQL schema the tables are in
	url      string                                         // the PostgreSQL URL, for LISTEN connections
	channel  string                                         // the NOTIFY channel of this database (and schema)
	onCommit atomic.Value                                   // func([]plumbline.Event): called after each commit that appended events
	reads    atomic.Int64                                   // read queries sent to the database (Reads)
	trace    atomic.Pointer[func(query string, args []any)] // TraceReads
}

var (
	_ plumbline.EventLog = (*Store)(nil)
	_ plumbline.Catalog  = (*Store)(nil)
)

// Open connects to the database, applies pending migrations and starts the writer.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	gcfg := &gorm.Config{Logger: logger.Discard, SkipDefaultTransaction: true}
	var (
		db  *gorm.DB
		err error
		pg  bool
	)
	switch {
	case strings.HasPrefix(cfg.DatabaseURL, "postgres://"), strings.HasPrefix(cfg.DatabaseURL, "postgresql://"):
		pg = true
		db, err = gorm.Open(postgres.New(postgres.Config{DSN: cfg.DatabaseURL}), gcfg)
	case cfg.DatabaseURL == "" || strings.HasPrefix(cfg.DatabaseURL, "sqlite://") || strings.HasPrefix(cfg.DatabaseURL, "file:"):
		path := strings.TrimPrefix(strings.TrimPrefix(cfg.DatabaseURL, "sqlite://"), "file:")
		if path == "" {
			if cfg.DataDir == "" {
				return nil, errors.New("no database: set a data directory or a database URL")
			}
			if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
				return nil, fmt.Errorf("create data directory: %w", err)
			}
			path = filepath.Join(cfg.DataDir, "plumbline.db")
		}
		db, err = gorm.Open(sqlite.Open(sqliteDSN(path)), gcfg)
	default:
		return nil, fmt.Errorf("database URL %q: want postgres://… or sqlite://PATH", redact(cfg.DatabaseURL))
	}
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	if cfg.MaxOpenConns == 0 {
		cfg.MaxOpenConns = 8
		if pg {
			cfg.MaxOpenConns = 16
		}
	}
	sqlDB.SetMaxOpenConns(cfg.MaxOpenConns)
	sqlDB.SetMaxIdleConns(cfg.MaxOpenConns)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	s := &Store{
		db:       db,
		postgres: pg,
		url:      cfg.DatabaseURL,
		log:      cfg.Logger,
		now:      cfg.Now,
		writes:   make(chan *writeReq, 1024),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
		known:    map[string]struct{}{},
	}
	// Reads through GORM are counted by its callbacks, the others by query and rawQuery.
	countRead := func(db *gorm.DB) { s.read(db.Statement.SQL.String(), db.Statement.Vars) }
	for _, err := range []error{
		db.Callback().Query().After("gorm:query").Register("plumbline:count_read", countRead),
		db.Callback().Row().After("gorm:row").Register("plumbline:count_read", countRead),
	} {
		if err != nil {
			sqlDB.Close()
			return nil, err
		}
	}
	if pg {
		var schema *string
		if err := db.WithContext(ctx).Raw("SELECT current_schema()").Scan(&schema).Error; err != nil {
			sqlDB.Close()
			return nil, fmt.Errorf("read the schema: %w", err)
		}
		if schema == nil {
			sqlDB.Close()
			return nil, errors.New("no schema to create tables in: the database URL's search_path names no existing schema")
		}
		s.schema = *schema
		s.channel = notifyChannel(s.schema)
	}
	if err := s.migrate(ctx); err != nil {
		sqlDB.Close()
		return nil, err
	}
	go s.writer()
	return s, nil
}

func sqliteDSN(path string) string {
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(NORMAL)", "busy_timeout(10000)", "foreign_keys(0)", "temp_store(MEMORY)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// Postgres reports whether the store runs on PostgreSQL.
func (s *Store) Postgres() bool { return s.postgres }

// DB returns the GORM handle, for packages of this module that keep tables of their own.
func (s *Store) DB() *gorm.DB { return s.db }

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// Close stops the writer, after the writes already queued, and closes the database.
func (s *Store) Close() error {
	var err error
	s.closeMu.Do(func() {
		s.closeLock.Lock()
		s.closed = true
		s.closeLock.Unlock()
		close(s.stop)
		<-s.done
		var sqlDB interface{ Close() error }
		if sqlDB, err = s.db.DB(); err == nil {
			err = sqlDB.Close()
		}
	})
	return err
}

// redact hides a password in a database URL for messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// notFound turns gorm.ErrRecordNotFound into the domain's ENOTFOUND; this is the one place
// that does.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return plumbline.Errorf(plumbline.ENOTFOUND, format, args...)
	}
	return err
}
