package dialecttest

import (
	stdsql "database/sql"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/pressly/goose/v3"

	"github.com/ferry-cdc/ferry/change"
	fsql "github.com/ferry-cdc/ferry/sql"
)

// captureSchema is the schema of Ferry's own tables in every test (the
// capture schema, the applier's), folded by the dialect, unless the
// harness is a SchemaHarness.
const captureSchema = "ferry"

// SchemaHarness is a Harness whose test databases each have a schema of
// their own for Ferry's tables: Oracle's, where a schema is a user, is the
// test's user.
type SchemaHarness interface {
	Harness
	// FerrySchema is the schema of Ferry's tables in db, as the catalog
	// holds its name.
	FerrySchema(db *stdsql.DB) string
}

// Run runs the contract's tests for the roles h's dialect implements, each
// as a subtest on a database of its own.
func Run(t *testing.T, h Harness) {
	tests := []struct {
		name string
		role string // "source", "target" or "any"
		run  func(*testing.T, *suite)
	}{
		{"OutOfOrderCommitIsNeitherSkippedNorDoubled", "source", testOutOfOrderCommit},
		{"LongTransactionHoldsBackOnlyWhileOpen", "source", testLongTransaction},
		{"PerKeyOrderUnderConcurrentWritersAndReads", "source", testPerKeyOrder},
		{"PositionSurvivesRestartAtEveryPage", "source", testPositionRoundTrip},
		{"RollbackIsNeverReadAndPurgeKeepsUnread", "source", testPurgeAndBacklog},
		{"LeaderLeaseIsExclusiveAndFreedWhenTheSessionDies", "source", testLeader},
		{"CaptureWritesKeyBeforeAndAfterImages", "source", testCaptureImages},
		{"CaptureValuesAreNeutral", "source", testCaptureValues},
		{"UpsertAndDeleteNeutralRowsExactly", "target", testUpsertDelete},
		{"ClassifyByNumber", "target", testClassify},
		{"SavepointRollsBackOneChange", "target", testSavepoint},
		{"BookkeepingOffsetsInOneTransaction", "target", testBookkeeping},
		{"WatermarkIsCoveredOnlyOnceItsChangesAreRead", "source", testWatermark},
		{"LeaseHolderNamesTheSessionThatLeads", "source", testLeaseHolder},
		{"RegistryRecordsInspectsAndDropsCapture", "source", testRegistry},
		{"DescribeReadsColumnsKeysAndUniqueIndexes", "any", testDescribe},
		{"CatalogVersionChangesWithTheCatalog", "target", testCatalogVersion},
		{"DeleteMatchingAndTruncateInTheTransaction", "target", testDeleteMatching},
		{"ImmediateChecksDeferredKeysAtTheStatement", "target", testImmediate},
		{"WriterLandsRowsThatReferToEachOtherTogether", "target", testWriter},
		{"BookkeepingBlockedAndHeldKeys", "target", testBlockedAndHeld},
		{"BookkeepingBarriersAndReplayed", "target", testBarriers},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := &suite{h: h, d: h.Dialect()}
			switch tc.role {
			case "source":
				src, ok := s.d.(fsql.SourceDialect)
				if !ok {
					t.Skipf("%s is not a source", s.d.Name())
				}
				s.src = src.Source()
			case "target":
				tgt, ok := s.d.(fsql.TargetDialect)
				if !ok {
					t.Skipf("%s is not a target", s.d.Name())
				}
				s.tgt = tgt.Target()
			}
			tc.run(t, s)
		})
	}
}

// suite is one test's view of the dialect under test.
type suite struct {
	h   Harness
	d   fsql.Dialect
	src fsql.Source
	tgt fsql.Target
}

// exec runs statements as the application would and fails the test on the
// first error.
func (s *suite) exec(t *testing.T, q Execer, stmts ...string) {
	t.Helper()
	for _, stmt := range stmts {
		if err := s.h.Exec(t.Context(), q, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
}

// begin starts a transaction that the test rolls back unless it commits.
func begin(t *testing.T, db *stdsql.DB) *stdsql.Tx {
	t.Helper()
	tx, err := db.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback() })
	return tx
}

// describe reads a table the harness created, as the migrator and the
// applier read it.
func (s *suite) describe(t *testing.T, db *stdsql.DB, name string) *fsql.Table {
	t.Helper()
	schema, err := s.d.DefaultSchema(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := s.d.Describe(t.Context(), db, schema, s.d.Fold(name))
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

// capture creates table and installs its capture by its key, with id 1.
func (s *suite) capture(t *testing.T, db *stdsql.DB, table Table) *fsql.Table {
	t.Helper()
	s.h.CreateTable(t, db, table)
	tbl := s.describe(t, db, table.Name)
	s.install(t, db, fsql.CaptureSpec{ID: 1, Table: tbl, Key: s.fold(table.Key)})
	return tbl
}

// install installs the capture spec says (its CaptureSchema is filled in)
// through the contract alone, as `ferry migrate up` does: the capture
// schema's goose migrations (a second time, none), then the triggers with
// their registry row.
func (s *suite) install(t *testing.T, db *stdsql.DB, spec fsql.CaptureSpec) {
	t.Helper()
	ctx := t.Context()
	c := s.src.Capture()
	schema := s.schema(db)
	if _, err := db.ExecContext(ctx, c.PrepareSchema(schema)); err != nil {
		t.Fatalf("prepare the capture schema: %v", err)
	}
	migs, err := fsql.RenderSchema(c.SchemaFiles(), s.d.Quote(schema))
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{}
	for _, m := range migs {
		fsys[m.Name] = &fstest.MapFile{Data: []byte(m.SQL)}
	}
	store, err := c.Store(schema, "goose_capture")
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider("", db, fsys, goose.WithStore(store), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("migrate the capture schema: %v", err)
	}
	spec.CaptureSchema = schema
	stmts, err := c.Triggers(spec)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := c.Register(spec, "dialecttest")
	if err != nil {
		t.Fatal(err)
	}
	s.run(t, db, append(stmts, reg)...)
}

// run runs generated statements, in a transaction where DDL is
// transactional, as a goose migration does.
func (s *suite) run(t *testing.T, db *stdsql.DB, stmts ...string) {
	t.Helper()
	var q Execer = db
	if s.d.Facts().TransactionalDDL {
		q = begin(t, db)
	}
	for _, stmt := range stmts {
		if _, err := q.ExecContext(t.Context(), stmt); err != nil {
			t.Fatalf("%v\n%s", err, stmt)
		}
	}
	if tx, ok := q.(*stdsql.Tx); ok {
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
}

// fold folds names as the dialect does.
func (s *suite) fold(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = s.d.Fold(n)
	}
	return out
}

// outbox returns a reader of the test's capture schema, as a relay opens it.
func (s *suite) outbox(db *stdsql.DB) fsql.Outbox {
	return s.src.Outbox(db, s.schema(db))
}

// schema is the schema of Ferry's tables in db.
func (s *suite) schema(db *stdsql.DB) string {
	if sh, ok := s.h.(SchemaHarness); ok {
		return sh.FerrySchema(db)
	}
	return s.d.Fold(captureSchema)
}

// neutral turns an image into its neutral values by column name (lower
// case), as the relay does: through the dialect's Values.
func (s *suite) neutral(t *testing.T, tbl *fsql.Table, key []string, img []byte) map[string]json.RawMessage {
	t.Helper()
	folded := make([]string, len(key))
	for i, k := range key {
		folded[i] = s.d.Fold(k)
	}
	norm, _, err := change.Normalize(&change.Table{Schema: tbl.Schema, Name: tbl.Name, Key: folded, Columns: tbl.Columns, Values: s.d.Values()}, img)
	if err != nil {
		t.Fatalf("image %s: %v", img, err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(norm, &m); err != nil {
		t.Fatal(err)
	}
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		out[strings.ToLower(k)] = v
	}
	return out
}

// intOf reads a neutral integer.
func intOf(t *testing.T, v json.RawMessage) int {
	t.Helper()
	n, err := strconv.Atoi(string(v))
	if err != nil {
		t.Fatalf("value %s is not an integer: %v", v, err)
	}
	return n
}
