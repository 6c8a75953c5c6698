package main

import (
	"context"
	stdsql "database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// What the workload did to a key, for verify to check the outcome.
const (
	catSalary     = "salary_cap"  // inserted or updated with salary > 10000
	catYoung      = "too_young"   // inserted with born after 2007-01-01
	catNegative   = "negative_id" // inserted with a negative id
	catCompleted  = "completed"   // inserted without email or phone, completed by a later update
	catIncomplete = "incomplete"  // inserted without email or phone, never completed
	catLookupMiss = "lookup_miss" // a department whose city code the target's cities lacks
)

// state is what run leaves for verify.
type state struct {
	Started    time.Time        `json:"started"`
	Duration   string           `json:"duration"`
	Statements int64            `json:"statements"`
	Rows       int64            `json:"rows_changed"`
	Errors     int64            `json:"errors"`
	Employees  map[string][]int `json:"employees"`   // category -> ids
	Depts      map[string][]int `json:"departments"` // category -> ids
}

// Employee states as the workload knows them.
const (
	empOK         = iota
	empIncomplete // waiting for its completing update
	empRejected   // broke a reject rule: never picked for a rule-breaking change again
	empCompleted  // was incomplete, then completed: kept clear of rule-breaking changes
)

type emp struct {
	id     int
	status int
	due    time.Time // empIncomplete: when it is completed; zero: never
}

// load drives the source.
type load struct {
	o       *opts
	db      *stdsql.DB
	written atomic.Int64 // rows changed
	stmts   atomic.Int64
	errs    atomic.Int64

	mu       sync.Mutex
	emps     map[string][]int
	depts    map[string][]int
	firstErr []string
}

var (
	homeDepts = []struct {
		name, city string
	}{
		{"Sales", "AMS"}, {"Engineering", "BER"}, {"Support", "LIS"}, {"Finance", "PAR"},
		{"Legal", "ROM"}, {"Marketing", "AMS"}, {"Research", ""}, {"Operations", "BER"},
	}
	goodCities = []string{"AMS", "BER", "LIS", "PAR", "ROM"}
	firstNames = []string{"Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret", "Dennis", "Radia", "Linus", "Katherine", "Niklaus", "Sophie", "John"}
	lastNames  = []string{"Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Hamilton", "Ritchie", "Perlman", "Torvalds", "Johnson", "Wirth", "Wilson", "Backus"}
)

func run(ctx context.Context, o *opts) error {
	w, err := newWatcher(ctx, o)
	if err != nil {
		return err
	}
	defer w.close()
	src := w.src

	l := &load{o: o, db: src, emps: map[string][]int{}, depts: map[string][]int{}}
	started := time.Now()
	for i, d := range homeDepts {
		if err := l.exec(ctx, `INSERT INTO departments (id, name, city_code) VALUES ($1, $2, $3)`, i+1, d.name, nullIfEmpty(d.city)); err != nil {
			return fmt.Errorf("insert the home departments: %w", err)
		}
	}

	wctx, cancel := context.WithTimeout(ctx, o.duration)
	defer cancel()
	var wg sync.WaitGroup
	for i := range o.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.worker(wctx, i)
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	view := newView()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var lastWritten int64
	lastAt := started
	show := func() {
		s := w.sample(ctx)
		n := l.written.Load()
		rate := float64(n-lastWritten) / time.Since(lastAt).Seconds()
		lastWritten, lastAt = n, time.Now()
		view.show(s.lines(n, time.Since(started), rate))
	}
	fmt.Printf("writing to the source for %s: %d writers, about %d statements/s (inserts, updates, deletes; some break the rules)\n", o.duration, o.workers, o.rate)
loop:
	for {
		select {
		case <-ctx.Done():
			<-done
			return ctx.Err()
		case <-done:
			break loop
		case <-tick.C:
			show()
		}
	}
	show()
	view.end()

	st := state{
		Started: started, Duration: time.Since(started).Round(time.Millisecond).String(),
		Statements: l.stmts.Load(), Rows: l.written.Load(), Errors: l.errs.Load(),
		Employees: l.emps, Depts: l.depts,
	}
	fmt.Printf("workload done: %d statements changed %d rows in %s", st.Statements, st.Rows, st.Duration)
	if st.Errors > 0 {
		fmt.Printf("; %d statements failed at the source, first: %s", st.Errors, strings.Join(l.firstErr, "; "))
	}
	fmt.Println()
	if err := writeState(o.stateFile, &st); err != nil {
		return err
	}
	return nil
}

func writeState(path string, st *state) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// exec runs one statement in its own transaction and counts the rows it changed.
func (l *load) exec(ctx context.Context, sql string, args ...any) error {
	// Never cancelled half way: a statement the workload gave up on could
	// still commit, and the count of what was written would be off.
	res, err := l.db.ExecContext(context.WithoutCancel(ctx), sql, args...)
	if err != nil {
		l.errs.Add(1)
		l.mu.Lock()
		if len(l.firstErr) < 3 {
			l.firstErr = append(l.firstErr, err.Error())
		}
		l.mu.Unlock()
		return err
	}
	l.stmts.Add(1)
	n, _ := res.RowsAffected() // pgx always knows it
	l.written.Add(n)
	return nil
}

func (l *load) note(m map[string][]int, cat string, id int) {
	l.mu.Lock()
	m[cat] = append(m[cat], id)
	l.mu.Unlock()
}

// worker writes until ctx ends. Worker w owns the employee ids that are
// w+1 modulo the worker count, so no two workers touch one row; worker 0
// also adds, renames and removes project departments. Employees only ever
// work in the home departments, which are never deleted and never get a
// city the target lacks, so the source's foreign key always holds and the
// target's always can.
func (l *load) worker(ctx context.Context, w int) {
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(w)))
	every := time.Duration(float64(time.Second) * float64(l.o.workers) / float64(max(1, l.o.rate)))
	tick := time.NewTicker(every)
	defer tick.Stop()
	var mine []*emp
	k := 0
	fresh := func() int { k++; return (k-1)*l.o.workers + w + 1 }
	var projects []int
	nextProject := 100 + w

	pick := func(ok func(*emp) bool) (int, *emp) {
		for range 8 {
			if len(mine) == 0 {
				return -1, nil
			}
			i := rng.IntN(len(mine))
			if ok(mine[i]) {
				return i, mine[i]
			}
		}
		return -1, nil
	}
	notIncomplete := func(e *emp) bool { return e.status != empIncomplete }
	plain := func(e *emp) bool { return e.status == empOK }

	for {
		select {
		case <-ctx.Done():
			for _, e := range mine {
				if e.status == empIncomplete {
					l.note(l.emps, catIncomplete, e.id)
				}
			}
			return
		case <-tick.C:
		}
		// Complete the incomplete employees whose time has come: the update
		// passes the rules and supersedes the held insert.
		now := time.Now()
		completed := false
		for _, e := range mine {
			if e.status == empIncomplete && !e.due.IsZero() && now.After(e.due) {
				if l.exec(ctx, `UPDATE employees SET email = $2, phone = $3 WHERE id = $1`, e.id, email(e.id), phone(rng)) == nil {
					e.status = empCompleted
					l.note(l.emps, catCompleted, e.id)
				}
				completed = true
				break
			}
		}
		if completed {
			continue
		}

		r := rng.IntN(100)
		switch {
		case w == 0 && r < 6: // project departments
			switch {
			case len(projects) < 3 || (r < 2 && len(projects) < 8):
				id := nextProject
				nextProject += l.o.workers
				city := goodCities[rng.IntN(len(goodCities))]
				miss := (id-100)/l.o.workers%4 == 0 // the first project, then every fourth
				if miss {
					city = "MAD" // not in the target's cities: the lookup misses, the DLQ gets it
				}
				if l.exec(ctx, `INSERT INTO departments (id, name, city_code) VALUES ($1, $2, $3)`, id, fmt.Sprintf("Project %d", id), city) == nil {
					projects = append(projects, id)
					if miss {
						l.note(l.depts, catLookupMiss, id)
					}
				}
			case r < 4:
				id := projects[rng.IntN(len(projects))]
				l.exec(ctx, `UPDATE departments SET name = $2 WHERE id = $1`, id, fmt.Sprintf("Project %d (%s)", id, lastNames[rng.IntN(len(lastNames))]))
			default:
				id := projects[0]
				if l.exec(ctx, `DELETE FROM departments WHERE id = $1`, id) == nil {
					projects = projects[1:]
				}
			}
		case w == 0 && r < 8: // rename a home department, or move it to another city the target knows
			id := 1 + rng.IntN(len(homeDepts))
			if rng.IntN(2) == 0 {
				l.exec(ctx, `UPDATE departments SET name = $2 WHERE id = $1`, id, homeDepts[id-1].name+" "+fmt.Sprint(rng.IntN(9)+1))
			} else if homeDepts[id-1].city != "" {
				l.exec(ctx, `UPDATE departments SET city_code = $2 WHERE id = $1`, id, goodCities[rng.IntN(len(goodCities))])
			}
		case r < 30 || len(mine) < 10: // insert
			id := fresh()
			if l.insert(ctx, rng, id, email(id), phone(rng), salary(rng), born(rng)) == nil {
				mine = append(mine, &emp{id: id})
			}
		case r < 50: // update
			if _, e := pick(notIncomplete); e != nil {
				switch rng.IntN(3) {
				case 0:
					l.exec(ctx, `UPDATE employees SET salary = $2 WHERE id = $1`, e.id, salary(rng))
				case 1:
					l.exec(ctx, `UPDATE employees SET name = $2 WHERE id = $1`, e.id, name(rng))
				default:
					l.exec(ctx, `UPDATE employees SET phone = $2, email = $3 WHERE id = $1`, e.id, phone(rng), fmt.Sprintf("e%d.%d@example.com", e.id, rng.IntN(100)))
				}
			}
		case r < 56: // move to another department
			if _, e := pick(notIncomplete); e != nil {
				l.exec(ctx, `UPDATE employees SET dept_id = $2 WHERE id = $1`, e.id, 1+rng.IntN(len(homeDepts)))
			}
		case r < 66: // delete
			if i, e := pick(notIncomplete); e != nil {
				if l.exec(ctx, `DELETE FROM employees WHERE id = $1`, e.id) == nil {
					mine = slices.Delete(mine, i, i+1)
				}
			}
		case r < 69: // one statement, many rows: a raise for everyone of this writer in one department
			l.exec(ctx, `UPDATE employees SET salary = salary + 25 WHERE id > 0 AND (id - 1) % $1 = $2 AND dept_id = $3 AND salary < 9000`,
				l.o.workers, w, 1+rng.IntN(len(homeDepts)))
		case r < 76: // incomplete: held by the incomplete rule, most completed a few seconds later
			id := fresh()
			var em, ph any = email(id), phone(rng)
			switch rng.IntN(3) {
			case 0:
				em = nil
			case 1:
				ph = nil
			default:
				em, ph = nil, nil
			}
			if l.insert(ctx, rng, id, em, ph, salary(rng), born(rng)) == nil {
				e := &emp{id: id, status: empIncomplete}
				if rng.IntN(5) != 0 {
					e.due = time.Now().Add(time.Duration(1+rng.IntN(6)) * time.Second)
				}
				mine = append(mine, e)
			}
		case r < 78: // a new employee earning too much
			id := fresh()
			if l.insert(ctx, rng, id, email(id), phone(rng), 10000.01+float64(rng.IntN(1500000))/100, born(rng)) == nil {
				mine = append(mine, &emp{id: id, status: empRejected})
				l.note(l.emps, catSalary, id)
			}
		case r < 79: // a raise past the cap
			if _, e := pick(plain); e != nil {
				if l.exec(ctx, `UPDATE employees SET salary = $2 WHERE id = $1`, e.id, 10000.01+float64(rng.IntN(500000))/100) == nil {
					e.status = empRejected
					l.note(l.emps, catSalary, e.id)
				}
			}
		case r < 81: // too young
			id := fresh()
			b := time.Date(2007, 1, 2, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rng.IntN(3*365))
			if l.insert(ctx, rng, id, email(id), phone(rng), salary(rng), b.Format("2006-01-02")) == nil {
				mine = append(mine, &emp{id: id, status: empRejected})
				l.note(l.emps, catYoung, id)
			}
		case r < 82: // negative id
			id := -fresh()
			if l.insert(ctx, rng, id, email(id), phone(rng), salary(rng), born(rng)) == nil {
				mine = append(mine, &emp{id: id, status: empRejected})
				l.note(l.emps, catNegative, id)
			}
		default:
			id := fresh()
			if l.insert(ctx, rng, id, email(id), phone(rng), salary(rng), born(rng)) == nil {
				mine = append(mine, &emp{id: id})
			}
		}
	}
}

func (l *load) insert(ctx context.Context, rng *rand.Rand, id int, email, phone any, salary float64, born string) error {
	return l.exec(ctx, `INSERT INTO employees (id, dept_id, name, email, phone, salary, born) VALUES ($1, $2, $3, $4, $5, $6::numeric(12,2), $7::date)`,
		id, 1+rng.IntN(len(homeDepts)), name(rng), email, phone, fmt.Sprintf("%.2f", salary), born)
}

func name(rng *rand.Rand) string {
	return firstNames[rng.IntN(len(firstNames))] + " " + lastNames[rng.IntN(len(lastNames))]
}

func email(id int) string { return fmt.Sprintf("e%d@example.com", id) }

func phone(rng *rand.Rand) string {
	return fmt.Sprintf("+31 20 %03d %04d", rng.IntN(1000), rng.IntN(10000))
}

// salary is an ordinary salary: below the cap even after a few raises.
func salary(rng *rand.Rand) float64 { return 2000 + float64(rng.IntN(690000))/100 }

// born is an ordinary birthday, 1960 to 2000.
func born(rng *rand.Rand) string {
	return time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rng.IntN(40*365)).Format("2006-01-02")
}
