package config

import (
	"errors"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// expandEnv replaces ${NAME} in every scalar value of the tree with the
// variable's value and $$ with a single $. It works on values after parsing,
// never on the text, so a variable can only ever become (part of) one string:
// it cannot add keys, items or documents, whatever it holds. Mapping keys are
// left alone because they name fields, columns and Kafka properties.
//
// A lone $ not followed by { or $ stays as it is; only the braced form
// expands, so that passwords with a $ in them rarely need escaping.
func expandEnv(n *yaml.Node, file string, lookup func(string) (string, bool)) []error {
	var errs []error
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		switch n.Kind {
		case yaml.DocumentNode, yaml.SequenceNode:
			for _, c := range n.Content {
				walk(c)
			}
		case yaml.MappingNode:
			for i := 1; i < len(n.Content); i += 2 {
				walk(n.Content[i])
			}
		case yaml.ScalarNode:
			v, verrs := expand(n.Value, lookup)
			for _, err := range verrs {
				errs = append(errs, &Error{File: file, Line: n.Line, Err: err})
			}
			n.Value = v
		case yaml.AliasNode:
			// The anchored node is expanded where it is defined; expanding it
			// again through the alias would turn $$ into $ twice.
		}
	}
	walk(n)
	return errs
}

// expand returns s with ${NAME} and $$ replaced. All undefined variables are
// reported, not only the first, and never with the value around them, which
// may be a secret.
func expand(s string, lookup func(string) (string, bool)) (string, []error) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	var b strings.Builder
	var errs []error
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return "", append(errs, errors.New("unterminated ${ (write $$ for a literal $)"))
			}
			name := s[i+2 : i+2+end]
			i += 2 + end
			if !validEnvName(name) {
				errs = append(errs, fmt.Errorf("invalid environment variable name %q in ${...}", name))
				continue
			}
			v, ok := lookup(name)
			if !ok {
				errs = append(errs, fmt.Errorf("environment variable %s is not set", name))
				continue
			}
			b.WriteString(v)
		default:
			b.WriteByte('$')
		}
	}
	if len(errs) > 0 {
		return "", errs
	}
	return b.String(), nil
}

// validEnvName accepts the portable shell variable names. Anything else,
// such as ${VAR:-default}, is rejected rather than looked up literally, so
// that such a syntax can be added later without changing what files mean.
func validEnvName(name string) bool {
	if name == "" {
		return false
	}
	for i, r := range name {
		switch {
		case r == '_', r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
