package dialects

import (
	"testing"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// TestLowWaterHeld: the outboxes whose cursor stops at the oldest open
// transaction (SQL Server's MIN_ACTIVE_ROWVERSION(), Oracle's oldest
// START_SCN) report it to the relay; PostgreSQL's cursor passes open
// transactions and does not.
func TestLowWaterHeld(t *testing.T) {
	t.Parallel()
	want := map[string]bool{"sqlserver": true, "oracle": true, "postgres": false}
	for _, name := range names(isSource) {
		d, err := Source(name)
		if err != nil {
			t.Fatal(err)
		}
		_, held := d.Source().Outbox(nil, "ferry").(fsql.LowWaterHeld)
		w, ok := want[name]
		if !ok {
			t.Errorf("source dialect %s: say whether its outbox reports the transaction holding its low-water mark back", name)
		}
		if held != w {
			t.Errorf("source dialect %s: outbox implements sql.LowWaterHeld %v, want %v", name, held, w)
		}
	}
}
