package oracle

import (
	stdsql "database/sql"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// Requests is the store of snapshot requests in captureSchema, in
// <capture schema>.SNAPSHOT_REQUEST (schema/00002_snapshot_requests.sql),
// run by the generic store (sql/requests.go); its insert returns the new
// id through RETURNING ... INTO.
func (source) Requests(db *stdsql.DB, captureSchema string) fsql.Requests {
	return fsql.NewRequests(db, requestsSQL(captureSchema))
}

func requestsSQL(captureSchema string) fsql.RequestsSQL {
	table := ident(captureSchema, "SNAPSHOT_REQUEST")
	list := `SELECT "ID", "TABLE_ID", "SCHEMA_NAME", "TABLE_NAME",
    CASE WHEN "KEYS" IS NULL THEN 0 ELSE (SELECT COUNT(*) FROM JSON_TABLE(r."KEYS", '$[*]' COLUMNS ("N" FOR ORDINALITY))) END,
    CASE WHEN "KEYS" IS NULL THEN 1 ELSE 0 END,
    "CHUNK_SIZE", "MAX_RATE", "STATE", "ROWS_DONE", NVL("ROWS_ESTIMATED", -1), NVL("LAST_KEY", EMPTY_CLOB()), NVL("ERROR", EMPTY_CLOB()),
    "REQUESTED_AT", "STARTED_AT", "FINISHED_AT"
FROM ` + table + ` r`
	return fsql.RequestsSQL{
		Exists:            `SELECT COUNT(*) FROM ALL_TABLES WHERE OWNER = ` + literal(captureSchema) + ` AND TABLE_NAME = 'SNAPSHOT_REQUEST'`,
		InsertReturnsInto: true,
		Insert: `INSERT INTO ` + table + ` ("TABLE_ID", "SCHEMA_NAME", "TABLE_NAME", "KEYS", "CHUNK_SIZE", "MAX_RATE", "ROWS_ESTIMATED")
VALUES (:1, :2, :3, :4, :5, :6, :7)
RETURNING "ID" INTO :8`,
		List:     list + ` ORDER BY "ID"`,
		ListOpen: list + ` WHERE "STATE" IN ('pending', 'running') ORDER BY "ID"`,
		Keys:     `SELECT NVL("KEYS", TO_CLOB('[]')) FROM ` + table + ` WHERE "ID" = :1`,
		Cancel: `UPDATE ` + table + ` SET "STATE" = 'cancelled', "FINISHED_AT" = SYSTIMESTAMP, "UPDATED_AT" = SYSTIMESTAMP
WHERE "SCHEMA_NAME" = :1 AND "TABLE_NAME" = :2 AND "STATE" IN ('pending', 'running')`,
		Record: `MERGE INTO ` + table + ` t
USING (SELECT :1 AS "ID", :2 AS "STATE", :3 AS "ROWS_DONE", :4 AS "LAST_KEY", :5 AS "ERROR" FROM DUAL) s
ON (t."ID" = s."ID")
WHEN MATCHED THEN UPDATE SET
    t."STATE" = s."STATE", t."ROWS_DONE" = s."ROWS_DONE", t."LAST_KEY" = s."LAST_KEY", t."ERROR" = s."ERROR",
    t."STARTED_AT" = NVL(t."STARTED_AT", SYSTIMESTAMP),
    t."FINISHED_AT" = CASE WHEN s."STATE" IN ('done', 'cancelled', 'failed') THEN NVL(t."FINISHED_AT", SYSTIMESTAMP) END,
    t."UPDATED_AT" = SYSTIMESTAMP
    WHERE t."STATE" <> 'cancelled'`,
	}
}
