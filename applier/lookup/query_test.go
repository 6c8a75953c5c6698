package lookup

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferry-cdc/ferry/config"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// logBuffer collects log lines from the refresher's goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) count(s string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Count(b.buf.String(), s)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// start starts s and stops it when the test ends, before the database goes.
func start(t *testing.T, s *Set) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() {
		cancel()
		s.Wait()
	})
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
}

// lookUp applies s to one value and returns the result's JSON text, or the error.
func lookUp(s *Set, v string) string {
	row := raw(map[string]string{"city": v})
	if err := s.Apply(row); err != nil {
		return "error: " + err.Error()
	}
	return string(row["city"])
}

func citiesDB(t *testing.T) *sql.DB {
	t.Helper()
	_, db := pgtest.NewDB(t)
	pgtest.Exec(t, db,
		`CREATE TABLE cities (code text PRIMARY KEY, id int, note text)`,
		`INSERT INTO cities VALUES ('NYC', 12, 'x'), ('LA', 7, NULL), ('ATL', NULL, NULL)`,
	)
	return db
}

func TestQuery(t *testing.T) {
	t.Parallel()
	db := citiesDB(t)
	s, err := New(route, []config.Lookup{{Column: "city", Query: "SELECT code, id, note FROM cities", OnMissing: Keep}}, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := lookUp(s, `"NYC"`); !strings.Contains(got, "not loaded") {
		t.Errorf("before Start: %s, want ErrNotLoaded", got)
	}
	row := raw(map[string]string{"city": `"NYC"`})
	if err := s.Apply(row); !errors.Is(err, ErrNotLoaded) {
		t.Errorf("Apply before Start = %v, want ErrNotLoaded", err)
	}
	start(t, s)
	for in, want := range map[string]string{
		`"NYC"`: `"12"`,
		`"LA"`:  `"7"`,
		`"ATL"`: `null`, // a NULL target value is SQL NULL
		`"SFO"`: `"SFO"`,
		`null`:  `null`,
	} {
		if got := lookUp(s, in); got != want {
			t.Errorf("lookup %s = %s, want %s", in, got, want)
		}
	}
}

func TestQueryNumericKey(t *testing.T) {
	t.Parallel()
	_, db := pgtest.NewDB(t)
	pgtest.Exec(t, db,
		`CREATE TABLE rates (code numeric(5,2), label text)`,
		`INSERT INTO rates VALUES (1.5, 'low'), (10, 'high'), (NULL, 'never')`,
	)
	s, err := New(route, []config.Lookup{{Column: "city", Query: "SELECT code, label FROM rates", OnMissing: Null}}, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	start(t, s)
	// Values are compared as text: numeric(5,2) reads as 1.50 and 10.00.
	for in, want := range map[string]string{`1.50`: `"low"`, `"10.00"`: `"high"`, `1.5`: `null`} {
		if got := lookUp(s, in); got != want {
			t.Errorf("lookup %s = %s, want %s", in, got, want)
		}
	}
}

func TestStartFails(t *testing.T) {
	t.Parallel()
	db := citiesDB(t)
	for _, c := range []struct{ query, want string }{
		{"SELECT code, id FROM towns", `route ` + route + `: lookup city: query "SELECT code, id FROM towns": ERROR: relation "towns" does not exist`},
		{"SELECT code FROM cities", `route ` + route + `: lookup city: query "SELECT code FROM cities": returns 1 column, want the source value and the target value`},
		{"SELECT 'a', 'b' UNION ALL SELECT 'a', 'c'", `route ` + route + `: lookup city: query "SELECT 'a', 'b' UNION ALL SELECT 'a', 'c'": source value "a" has two target values, "b" and "c"`},
	} {
		s, err := New(route, []config.Lookup{
			{Column: "other", Map: map[string]string{"a": "b"}},
			{Column: "city", Query: c.query},
		}, db, nil)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		err = s.Start(ctx)
		cancel()
		s.Wait()
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("Start with %s:\n got: %v\nwant: %s", c.query, err, c.want)
		}
	}
}

func TestScheduledRefresh(t *testing.T) {
	t.Parallel()
	db := citiesDB(t)
	var logs logBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	s, err := New(route, []config.Lookup{{Column: "city", Query: "SELECT code, id FROM cities", Refresh: "@every 1s"}}, db, log)
	if err != nil {
		t.Fatal(err)
	}
	start(t, s)
	if got := lookUp(s, `"BOS"`); !strings.Contains(got, `no entry for "BOS"`) {
		t.Fatalf("BOS before the insert: %s", got)
	}
	pgtest.Exec(t, db, `INSERT INTO cities VALUES ('BOS', 3)`)
	if !eventually(func() bool { return lookUp(s, `"BOS"`) == `"3"` }) {
		t.Fatalf("BOS not picked up within 10s: %s", lookUp(s, `"BOS"`))
	}

	// A failing refresh keeps the table, and says so once.
	pgtest.Exec(t, db, `ALTER TABLE cities RENAME TO towns`)
	if !eventually(func() bool { return logs.count("lookup refresh failed") > 0 }) {
		t.Fatal("no log of the failing refresh within 10s")
	}
	time.Sleep(2500 * time.Millisecond) // two or three more failed attempts
	if got := lookUp(s, `"BOS"`); got != `"3"` {
		t.Errorf("BOS while refresh fails = %s, want the previous table's \"3\"", got)
	}
	if n := logs.count("lookup refresh failed"); n != 1 {
		t.Errorf("failing refresh logged %d times, want once:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), `relation \"cities\" does not exist`) {
		t.Errorf("log does not say why:\n%s", logs.String())
	}

	pgtest.Exec(t, db, `ALTER TABLE towns RENAME TO cities`, `UPDATE cities SET id = 4 WHERE code = 'BOS'`)
	if !eventually(func() bool { return lookUp(s, `"BOS"`) == `"4"` }) {
		t.Fatalf("BOS not updated within 10s after the table came back: %s", lookUp(s, `"BOS"`))
	}
	if !eventually(func() bool { return logs.count("lookup refresh works again") == 1 }) {
		t.Errorf("no recovery log:\n%s", logs.String())
	}
}

func TestForcedRefreshFails(t *testing.T) {
	t.Parallel()
	db := citiesDB(t)
	s, err := New(route, []config.Lookup{{Column: "city", Query: "SELECT code, id FROM cities"}}, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	start(t, s)
	pgtest.Exec(t, db, `DELETE FROM cities WHERE code = 'NYC'`, `ALTER TABLE cities RENAME TO towns`)
	err = s.Refresh(context.Background())
	want := `route ` + route + `: lookup city: query "SELECT code, id FROM cities": ERROR: relation "cities" does not exist`
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Refresh = %v, want %s", err, want)
	}
	if got := lookUp(s, `"NYC"`); got != `"12"` {
		t.Errorf("NYC after a failed refresh = %s, want the old table's \"12\"", got)
	}
	pgtest.Exec(t, db, `ALTER TABLE towns RENAME TO cities`)
	if err := s.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := lookUp(s, `"NYC"`); !strings.Contains(got, `no entry for "NYC"`) {
		t.Errorf("NYC after a good refresh = %s, want no entry", got)
	}
}

// Apply runs in the applier's workers while the refresher swaps tables: no
// reader may see a table half loaded, which would miss a key that both the
// old and the new table hold.
func TestConcurrentRefresh(t *testing.T) {
	t.Parallel()
	_, db := pgtest.NewDB(t)
	const n = 2000
	pgtest.Exec(t, db,
		`CREATE TABLE codes (code text PRIMARY KEY, id int)`,
		fmt.Sprintf(`INSERT INTO codes SELECT 'c' || i, i FROM generate_series(1, %d) i`, n),
	)
	s, err := New(route, []config.Lookup{{Column: "city", Query: "SELECT code, id FROM codes", Refresh: "@every 1s"}}, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	start(t, s)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := 1 + rand.IntN(n)
				want := fmt.Sprintf(`"%d"`, i)
				if got := lookUp(s, fmt.Sprintf(`"c%d"`, i)); got != want {
					errs <- fmt.Errorf("c%d = %s, want %s", i, got, want)
					return
				}
			}
		})
	}
	refreshes := 0
	for ctx.Err() == nil {
		if err := s.Refresh(ctx); err != nil && ctx.Err() == nil {
			t.Fatal(err)
		}
		refreshes++
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if refreshes < 2 {
		t.Errorf("only %d refreshes in 3s", refreshes)
	}
}

func eventually(ok func() bool) bool {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if ok() {
			return true
		}
	}
	return ok()
}
