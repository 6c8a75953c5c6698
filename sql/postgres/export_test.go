package postgres

import (
	"context"
	stdsql "database/sql"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// The statements the applier and verify run, for tests of their plans.
var (
	WriteSQL  = writeSQL
	UpsertSQL = upsertSQL
	DeleteSQL = deleteSQL
)

// KeysSQL is the statement a reader of spec reads rows by key with.
func KeysSQL(ctx context.Context, db *stdsql.DB, spec fsql.ReadSpec) (string, error) {
	r, err := snapshot{}.Reader(ctx, db, spec)
	if err != nil {
		return "", err
	}
	return r.(*reader).keys, nil
}
