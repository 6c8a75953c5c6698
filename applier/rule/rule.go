package rule

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"

	"github.com/ferry-cdc/ferry/config"
	fsql "github.com/ferry-cdc/ferry/sql"
)

// What a firing rule does with the change.
const (
	// Reject sends the change to the DLQ.
	Reject = "reject"
	// Skip drops the change and counts it.
	Skip = "skip"
	// Hold keeps the change until a later change of the same key passes.
	Hold = "hold"
)

// Set is one route's compiled rules. A nil *Set has no rules.
type Set struct {
	route string
	rules []compiled
}

type compiled struct {
	name, when, action string
	line               int
	program            *vm.Program
}

// Verdict is what Check decided.
type Verdict struct {
	// Action is "" when no rule fired, else Reject, Skip or Hold.
	Action string
	// Rule names the rule that fired.
	Rule string
}

// Compile compiles rules for route, which names the route in errors
// ("hq.public.emp -> branch.public.staff"). It reports every bad rule at
// once, each with the route, the rule's name and line, and expr's message.
//
// An expression sees the change's columns by their source names, plus op
// ("c", "u", "d", "r"); a column that is absent from the change or NULL is
// nil. A column whose name is not an identifier is $env["first name"]. A
// column named op cannot be reached: a rule that names op on such a table
// is an error, since it cannot say which it means.
// columns gives, by source name, the column each one writes, whose kind
// says the type the rule sees (see the package doc): an expression that
// can never type-check (a date compared with a number) is an error here,
// not on every change. It must be of type bool; beyond expr's builtins
// (date, now, len, ...) and decimal("1.5"), a call to an unknown function
// is an error too.
func Compile(route string, rules []config.Rule, columns map[string]fsql.Column) (*Set, error) {
	s := &Set{route: route}
	var errs []error
	seen := map[string]int{}
	for _, r := range rules {
		fail := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("route %s: %s: %s", route, where(r.Name, r.Line), fmt.Sprintf(format, args...)))
		}
		action := r.Action
		if action == "" {
			action = Reject
		}
		if !slices.Contains(config.RuleActions, action) {
			fail("unknown action %q (want reject, skip or hold)", r.Action)
		}
		switch prev, dup := seen[r.Name]; {
		case r.Name == "":
			fail("no name")
		case dup:
			fail("name already used by the rule at line %d", prev)
		default:
			seen[r.Name] = r.Line
		}
		if r.When == "" {
			fail("no when")
			continue
		}
		env := map[string]any{"op": ""}
		for name, c := range columns {
			if name != "op" {
				env[name] = sample(c)
			}
		}
		opts := append([]expr.Option{expr.Env(env), expr.AllowUndefinedVariables(), expr.AsBool()}, decimalOperators()...)
		program, err := expr.Compile(r.When, opts...)
		if err == nil {
			err = checkCalls(program.Node())
		}
		if err != nil {
			// expr's message ends with the expression and a caret under the fault.
			fail("%v", err)
			continue
		}
		if _, shadowed := columns["op"]; shadowed {
			names := identifiers{}
			root := program.Node()
			ast.Walk(&root, names)
			if names["op"] {
				fail("op is the change's operation, and the table has a column named op too, which rules cannot reach: the rule cannot say which it means")
				continue
			}
		}
		s.rules = append(s.rules, compiled{name: r.Name, when: r.When, action: action, line: r.Line, program: program})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return s, nil
}

func where(name string, line int) string {
	switch {
	case name == "" && line == 0:
		return "rule"
	case name == "":
		return fmt.Sprintf("rule at line %d", line)
	case line == 0:
		return "rule " + name
	}
	return fmt.Sprintf("rule %s (line %d)", name, line)
}

// checkCalls finds at compile time what would otherwise fail on every
// change: with undefined variables allowed, a misspelt function is a nil
// variable until it is called, and date("2007-13-01") parses only at run time.
func checkCalls(root ast.Node) error {
	c := &calls{}
	ast.Walk(&root, c)
	return errors.Join(c.errs...)
}

type calls struct{ errs []error }

func (c *calls) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.CallNode:
		id, ok := n.Callee.(*ast.IdentifierNode)
		switch {
		case !ok || strings.HasPrefix(id.Value, "ferry_decimal_"): // an operator on decimals
		case id.Value == "decimal":
			if len(n.Arguments) == 1 {
				if lit, ok := n.Arguments[0].(*ast.StringNode); ok {
					if _, err := ParseDecimal(lit.Value); err != nil {
						c.errs = append(c.errs, fmt.Errorf("decimal(%q): %v", lit.Value, err))
					}
				}
			}
		default:
			c.errs = append(c.errs, fmt.Errorf("unknown function %s", id.Value))
		}
	case *ast.BuiltinNode:
		if n.Name != "date" {
			return
		}
		for _, a := range n.Arguments {
			if _, ok := a.(*ast.StringNode); !ok {
				return
			}
		}
		if _, err := expr.Eval(n.String(), nil); err != nil {
			c.errs = append(c.errs, fmt.Errorf("%s: %v", n.String(), message(err)))
		}
	}
}

// Columns returns the names of the columns the rules read, sorted, so that
// the applier can tell at start which of them the source table lacks: such a
// column is always nil, which is most likely a typo.
func (s *Set) Columns() []string {
	if s == nil {
		return nil
	}
	names := map[string]bool{}
	for _, r := range s.rules {
		root := r.program.Node()
		ast.Walk(&root, identifiers(names))
	}
	delete(names, "op")
	return slices.Sorted(maps.Keys(names))
}

type identifiers map[string]bool

func (ids identifiers) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.IdentifierNode:
		if n.Value != "$env" {
			ids[n.Value] = true
		}
	case *ast.MemberNode:
		id, isID := n.Node.(*ast.IdentifierNode)
		prop, isString := n.Property.(*ast.StringNode)
		if isID && id.Value == "$env" && isString {
			ids[prop.Value] = true
		}
	}
}

// Check runs the rules on one change, in order; the first that is true
// decides. op is the change's operation ("c", "u", "d", "r") and row its
// columns, typed by Value. A column named op is hidden by the operation.
//
// An expression that fails on this change (comparing a string with a
// number, a NULL with a date) returns an *EvalError: the change can never
// pass this rule as it is.
func (s *Set) Check(op string, row map[string]any) (Verdict, error) {
	if s == nil || len(s.rules) == 0 {
		return Verdict{}, nil
	}
	env := make(map[string]any, len(row)+1)
	maps.Copy(env, row)
	env["op"] = op
	for _, r := range s.rules {
		out, err := expr.Run(r.program, env)
		if err != nil {
			return Verdict{}, &EvalError{Route: s.route, Rule: r.name, Line: r.line, When: r.when, Err: err}
		}
		if fired, _ := out.(bool); fired {
			return Verdict{Action: r.action, Rule: r.name}, nil
		}
	}
	return Verdict{}, nil
}

// EvalError is a rule that could not be evaluated on a change. Its message
// is one line, for a log line or a DLQ header.
type EvalError struct {
	Route, Rule string
	Line        int
	When        string
	Err         error
}

func (e *EvalError) Error() string {
	at := ""
	var fe *file.Error
	if errors.As(e.Err, &fe) && fe.Snippet != "" {
		at = fmt.Sprintf(" (column %d)", fe.Column+1)
	}
	hint := ""
	if nilOperand(e.Err) {
		hint = "; a NULL or absent column is nil: test it first, as in x != nil && x > 0"
	}
	return fmt.Sprintf("route %s: %s: %s: %s%s%s", e.Route, where(e.Rule, e.Line), e.When, message(e.Err), at, hint)
}

func (e *EvalError) Unwrap() error { return e.Err }

// message is expr's message without the source snippet, which spans lines.
func message(err error) string {
	var fe *file.Error
	if errors.As(err, &fe) {
		return fe.Message
	}
	return err.Error()
}

// nilOperand tells whether expr failed on a nil operand, which in a rule is
// nearly always a NULL column the expression did not expect.
func nilOperand(err error) bool {
	var fe *file.Error
	return errors.As(err, &fe) && strings.Contains(fe.Message, "<nil>")
}
