package sqlserver

import (
	stdsql "database/sql"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// Requests is the store of snapshot requests in captureSchema, in
// <capture schema>.snapshot_request (schema/00002_snapshot_requests.sql).
func (source) Requests(db *stdsql.DB, captureSchema string) fsql.Requests {
	return fsql.NewRequests(db, requestsSQL(captureSchema))
}

func requestsSQL(captureSchema string) fsql.RequestsSQL {
	table := ident(captureSchema, "snapshot_request")
	list := `SELECT [id], [table_id], [schema_name], [table_name],
    CASE WHEN [keys] IS NULL THEN 0 ELSE (SELECT COUNT(*) FROM OPENJSON([keys])) END,
    CAST(CASE WHEN [keys] IS NULL THEN 1 ELSE 0 END AS bit),
    [chunk_size], [max_rate], [state], [rows_done], ISNULL([rows_estimated], -1), ISNULL([last_key], N''), ISNULL([error], N''),
    [requested_at], [started_at], [finished_at]
FROM ` + table
	return fsql.RequestsSQL{
		Exists: `SELECT CAST(CASE WHEN OBJECT_ID(` + literal(table) + `, N'U') IS NULL THEN 0 ELSE 1 END AS bit)`,
		Insert: `INSERT INTO ` + table + ` ([table_id], [schema_name], [table_name], [keys], [chunk_size], [max_rate], [rows_estimated])
OUTPUT INSERTED.[id]
VALUES (@p1, @p2, @p3, @p4, @p5, @p6, @p7)`,
		List:     list + ` ORDER BY [id]`,
		ListOpen: list + ` WHERE [state] IN ('pending', 'running') ORDER BY [id]`,
		Keys:     `SELECT ISNULL([keys], N'[]') FROM ` + table + ` WHERE [id] = @p1`,
		Cancel: `UPDATE ` + table + ` SET [state] = 'cancelled', [finished_at] = SYSUTCDATETIME(), [updated_at] = SYSUTCDATETIME()
WHERE [schema_name] = @p1 AND [table_name] = @p2 AND [state] IN ('pending', 'running')`,
		Record: `UPDATE ` + table + ` SET
    [state] = @p2, [rows_done] = @p3, [last_key] = @p4, [error] = @p5,
    [started_at] = ISNULL([started_at], SYSUTCDATETIME()),
    [finished_at] = CASE WHEN @p2 IN ('done', 'cancelled', 'failed') THEN ISNULL([finished_at], SYSUTCDATETIME()) END,
    [updated_at] = SYSUTCDATETIME()
WHERE [id] = @p1 AND [state] <> 'cancelled'`,
	}
}
