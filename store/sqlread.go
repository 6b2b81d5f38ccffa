package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"gorm.io/gorm"

	"github.com/plumbline/plumbline/internal/fastjson"
)

// The hot reads and the append path talk to database/sql directly, with the dialect's own
// placeholders ($n on PostgreSQL, ? on SQLite), rather than through GORM: no reflection per
// row, and a list of values is one parameter rather than one per value.

// queryer runs queries: *sql.DB, *sql.Conn and *sql.Tx are.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// ph returns the n-th placeholder (from 1).
func (s *Store) ph(n int) string {
	if s.postgres {
		return "$" + strconv.Itoa(n)
	}
	return "?"
}

// inParam returns the condition "col is one of values" with the values in one parameter
// (the n-th), and that parameter: an array on PostgreSQL (= ANY), a JSON array on SQLite
// (json_each). The statement, its plan and its binding then cost the same for 10 values
// or 10,000; and on SQLite, whose driver binds parameters in O(n²), a long IN (…) list of
// parameters costs most of the query. values is a []string or a []int64.
func (s *Store) inParam(col string, values any, n int) (string, any) {
	if s.postgres {
		return col + " = ANY($" + strconv.Itoa(n) + ")", values
	}
	var b []byte
	switch vs := values.(type) {
	case []string:
		b = make([]byte, 0, 16*len(vs)+2)
		b = append(b, '[')
		for i, v := range vs {
			if i > 0 {
				b = append(b, ',')
			}
			b = fastjson.AppendString(b, v)
		}
	case []int64:
		b = make([]byte, 0, 8*len(vs)+2)
		b = append(b, '[')
		for i, v := range vs {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, v, 10)
		}
	default:
		panic(fmt.Sprintf("store: inParam of %T", values))
	}
	return col + " IN (SELECT value FROM json_each(?))", string(append(b, ']'))
}

// query runs a read query written with the dialect's placeholders.
func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	s.read(q, args)
	return s.sqlDB().QueryContext(ctx, q, args...)
}

// rawQuery runs a read query written with the dialect's placeholders on db's connection
// (the transaction, inside a write function).
func (s *Store) rawQuery(db *gorm.DB, q string, args ...any) (*sql.Rows, error) {
	s.read(q, args)
	return db.Statement.ConnPool.QueryContext(db.Statement.Context, q, args...)
}

// read counts a read query, and traces it.
func (s *Store) read(q string, args []any) {
	s.reads.Add(1)
	if fn := s.trace.Load(); fn != nil {
		(*fn)(q, args)
	}
}

// Reads returns how many read queries the store has sent to the database since it was
// opened: a measure of how well reads are batched.
func (s *Store) Reads() int64 { return s.reads.Load() }

// TraceReads calls fn with every read query the store sends from now on, and its
// arguments, until it is called again (with nil to stop). For diagnostics: fn runs on
// the querying goroutine, and must be quick and safe for concurrent use.
func (s *Store) TraceReads(fn func(query string, args []any)) {
	if fn == nil {
		s.trace.Store(nil)
		return
	}
	s.trace.Store(&fn)
}

// rawExec runs a statement written with the dialect's placeholders on db's connection.
func rawExec(db *gorm.DB, q string, args ...any) error {
	_, err := db.Statement.ConnPool.ExecContext(db.Statement.Context, q, args...)
	return err
}

// execIn runs q + cond on db, where cond is "col is one of values" (one parameter, after
// args); nothing when there are no values.
func (s *Store) execIn(db *gorm.DB, q, col string, values []string, args ...any) error {
	if len(values) == 0 {
		return nil
	}
	a := &sqlArgs{s: s, args: args}
	cond := a.in(col, values)
	return rawExec(db, q+cond, a.args...)
}

// sqlDB returns the database/sql handle under GORM.
func (s *Store) sqlDB() *sql.DB {
	db, err := s.db.DB()
	if err != nil {
		panic(err) // GORM was opened on a *sql.DB: it always has one
	}
	return db
}
