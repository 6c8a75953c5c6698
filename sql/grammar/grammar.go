package grammar

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/antlr4-go/antlr/v4"
	"github.com/bytebase/parser/plsql"
	"github.com/bytebase/parser/tsql"
)

// Language is a SQL language this package can check.
type Language string

// Languages.
const (
	TSQL  Language = "tsql"
	PLSQL Language = "plsql"
)

// Statement is one statement (a T-SQL batch) of a file.
type Statement struct {
	Line int // where it starts in the file, from 1
	Text string
}

// Split cuts a file into statements at separator lines: GO for T-SQL, "/"
// for PL/SQL. In T-SQL a goose migration's "-- +goose StatementEnd" ends a
// batch too: goose sends each statement block to the server on its own.
// Blank statements are dropped.
func Split(lang Language, text string) []Statement {
	sep, gooseEnd := "/", ""
	if lang == TSQL {
		sep, gooseEnd = "GO", "-- +goose StatementEnd"
	}
	var out []Statement
	var cur []string
	start := 1
	flush := func(next int) {
		s := strings.TrimSpace(strings.Join(cur, "\n"))
		if s != "" {
			out = append(out, Statement{Line: start, Text: s})
		}
		cur, start = nil, next
	}
	for i, line := range strings.Split(text, "\n") {
		if l := strings.TrimSpace(line); strings.EqualFold(l, sep) || (gooseEnd != "" && l == gooseEnd) {
			flush(i + 2)
			continue
		}
		if len(cur) == 0 && strings.TrimSpace(line) == "" {
			start = i + 2
			continue
		}
		cur = append(cur, line)
	}
	flush(0)
	return out
}

// Check parses one statement and returns the syntax errors found, each as
// "line:column message"; none means the grammar accepts it.
func Check(lang Language, stmt string) []string {
	l := &listener{DefaultErrorListener: antlr.NewDefaultErrorListener()}
	switch lang {
	case TSQL:
		if msg := firstInBatch(stmt); msg != "" {
			l.msgs = append(l.msgs, msg)
		}
		lx := tsql.NewTSqlLexer(antlr.NewInputStream(stmt))
		lx.RemoveErrorListeners()
		lx.AddErrorListener(l)
		p := tsql.NewTSqlParser(antlr.NewCommonTokenStream(lx, antlr.TokenDefaultChannel))
		p.RemoveErrorListeners()
		p.AddErrorListener(l)
		p.Tsql_file()
	case PLSQL:
		if !strings.HasSuffix(strings.TrimSpace(stmt), ";") {
			stmt += ";"
		}
		lx := plsql.NewPlSqlLexer(antlr.NewInputStream(stmt))
		lx.RemoveErrorListeners()
		lx.AddErrorListener(l)
		p := plsql.NewPlSqlParser(antlr.NewCommonTokenStream(lx, antlr.TokenDefaultChannel))
		p.SetVersion12(true)
		p.RemoveErrorListeners()
		p.AddErrorListener(l)
		p.Sql_script()
	default:
		return []string{fmt.Sprintf("unknown language %q", lang)}
	}
	return l.msgs
}

type listener struct {
	*antlr.DefaultErrorListener
	msgs []string
}

func (l *listener) SyntaxError(_ antlr.Recognizer, _ any, line, col int, msg string, _ antlr.RecognitionException) {
	// The "expecting {...}" list of a statement cut short names hundreds of tokens.
	if len(msg) > 200 {
		msg = msg[:200] + "..."
	}
	l.msgs = append(l.msgs, fmt.Sprintf("%d:%d %s", line, col, msg))
}

var (
	// mustBeFirst finds the statements SQL Server wants alone at the top of
	// a batch ("CREATE TRIGGER must be the first statement in a query batch").
	mustBeFirst = regexp.MustCompile(`(?i)\bCREATE\s+(OR\s+ALTER\s+)?(TRIGGER|PROCEDURE|PROC|FUNCTION|VIEW)\b`)
	comments    = regexp.MustCompile(`(?s)--[^\n]*|/\*.*?\*/`)
)

// firstInBatch reports a trigger, procedure, function or view that does not
// start its batch.
func firstInBatch(batch string) string {
	code := comments.ReplaceAllString(batch, " ")
	loc := mustBeFirst.FindStringIndex(code)
	if loc == nil || strings.TrimSpace(code[:loc[0]]) == "" {
		return ""
	}
	return fmt.Sprintf("%q must be the first statement in its batch (end the batch before it with GO)",
		strings.Join(strings.Fields(code[loc[0]:loc[1]]), " "))
}
