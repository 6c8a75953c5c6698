package config

import (
	"fmt"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// yaml.v3 checks unknown keys only in Decoder.KnownFields, which works on
// text. The config is decoded from the already expanded node tree instead,
// and re-encoding that tree would renumber its lines, so the unknown-key
// check is done here on the tree itself, where every node still carries its
// line in the original file. The messages match yaml.v3's own.

// unknownFields reports every mapping key under n that names no field of t.
func unknownFields(n *yaml.Node, t reflect.Type, file string) []error {
	var errs []error
	// An anchored node is checked once per type however often it is
	// aliased, which also stops at an alias to its own ancestor; the decoder
	// reports those.
	type visit struct {
		n *yaml.Node
		t reflect.Type
	}
	seen := map[visit]bool{}
	var walk func(n *yaml.Node, t reflect.Type)
	walk = func(n *yaml.Node, t reflect.Type) {
		if n == nil {
			return
		}
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, t)
			}
			return
		case yaml.AliasNode:
			if !seen[visit{n.Alias, t}] {
				seen[visit{n.Alias, t}] = true
				walk(n.Alias, t)
			}
			return
		}
		switch t.Kind() {
		case reflect.Struct:
			if n.Kind != yaml.MappingNode {
				return // a type error, which the decoder reports
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if isMergeKey(k) {
					walkMerge(v, func(m *yaml.Node) { walk(m, t) })
					continue
				}
				f, ok := fieldByKey(t, k.Value)
				if !ok {
					errs = append(errs, &Error{File: file, Line: k.Line,
						Err: fmt.Errorf("field %s not found in type %s", k.Value, t)})
					continue
				}
				walk(v, f.Type)
			}
		case reflect.Slice, reflect.Array:
			if n.Kind == yaml.SequenceNode {
				for _, c := range n.Content {
					walk(c, t.Elem())
				}
			}
		case reflect.Map:
			if n.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(n.Content); i += 2 {
					if isMergeKey(n.Content[i]) {
						walkMerge(n.Content[i+1], func(m *yaml.Node) { walk(m, t) })
						continue
					}
					walk(n.Content[i+1], t.Elem())
				}
			}
		}
	}
	walk(n, t)
	return errs
}

// setLines stores, in every struct that has an int field named Line
// excluded from YAML, the line it starts on: the "- " of a sequence item, or
// the key of a mapping value ("kafka:"), which is where a reader looks.
func setLines(n *yaml.Node, v reflect.Value, line int) {
	if n == nil {
		return
	}
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			setLines(c, v, c.Line)
		}
		return
	case yaml.AliasNode:
		setLines(n.Alias, v, line)
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return
		}
		if f, ok := v.Type().FieldByName("Line"); ok && f.Tag.Get("yaml") == "-" && f.Type.Kind() == reflect.Int {
			v.FieldByIndex(f.Index).SetInt(int64(line))
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if f, ok := fieldByKey(v.Type(), k.Value); ok && !isMergeKey(k) {
				setLines(n.Content[i+1], v.FieldByIndex(f.Index), k.Line)
			}
		}
	case reflect.Slice:
		// Decoding succeeded, so the slice has one element per item.
		if n.Kind == yaml.SequenceNode && v.Len() == len(n.Content) {
			for i, c := range n.Content {
				setLines(c, v.Index(i), c.Line)
			}
		}
	}
}

// fieldByKey finds the field yaml.v3 would decode key into.
func fieldByKey(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = strings.ToLower(f.Name)
		}
		if name == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func isMergeKey(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Value == "<<" && (n.Tag == "" || n.Tag == "!" || n.Tag == "!!merge")
}

// walkMerge calls f on each mapping merged in by a << key.
func walkMerge(v *yaml.Node, f func(*yaml.Node)) {
	if v.Kind == yaml.SequenceNode {
		for _, c := range v.Content {
			f(c)
		}
		return
	}
	f(v)
}
