package postgres

// PrepareSchema creates the capture schema, which holds goose's own
// version tables and so must exist before goose runs.
func (capture) PrepareSchema(captureSchema string) string {
	return "CREATE SCHEMA IF NOT EXISTS " + ident(captureSchema)
}

// QuoteIdent quotes a possibly qualified name for the capture schema's
// migration templates.
func (capture) QuoteIdent(parts ...string) string { return ident(parts...) }
