package applier

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// envelope is the part of a change message the applier reads.
type envelope struct {
	Before map[string]json.RawMessage `json:"before"`
	After  map[string]json.RawMessage `json:"after"`
	Op     string                     `json:"op"`
	Source struct {
		Seq  json.Number `json:"seq"`
		Name string      `json:"name"`
	} `json:"source"`
}

func decodeEnvelope(value []byte) (*envelope, error) {
	var e envelope
	d := json.NewDecoder(bytes.NewReader(value))
	if err := d.Decode(&e); err != nil {
		return nil, fmt.Errorf("not a change envelope: %w", err)
	}
	switch e.Op {
	case "t", "h": // a truncate, a heartbeat: no row
	case "c", "u", "r":
		if e.After == nil {
			return nil, fmt.Errorf("op %q without an after image", e.Op)
		}
	case "d":
		if e.Before == nil {
			return nil, fmt.Errorf("op d without a before image")
		}
	default:
		return nil, fmt.Errorf("unknown op %q", e.Op)
	}
	return &e, nil
}

// toTarget turns an envelope value into the text form the target's
// json_populate_recordset reads for a column of kind k: bytes travel as
// base64 and arrive as \x hex, json columns travel as a string of their
// text and stay one (the target casts the text: JSON null stays JSON null);
// every other value is already in its input form.
func toTarget(c fsql.Column, raw json.RawMessage) (json.RawMessage, error) {
	if string(raw) == "null" {
		return raw, nil
	}
	switch c.Kind {
	case fsql.KindBinary:
		return binaryValue(raw)
	case fsql.KindJSON:
		// It stays a string: JSON null as a value would read as SQL NULL.
		// The target reads the string's text as the column's type.
		if _, err := jsonText(c, raw); err != nil {
			return nil, err
		}
		return raw, nil
	case fsql.KindArray:
		if c.Elem != fsql.KindBinary && c.Elem != fsql.KindJSON || raw[0] == '"' {
			// A string is an array with bounds other than 1 in its text
			// form, which json_populate_recordset reads as it is.
			return raw, nil
		}
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, fmt.Errorf("column %s: not an array: %w", c.Name, err)
		}
		for i, it := range items {
			var err error
			if string(it) == "null" {
				continue
			}
			if c.Elem == fsql.KindJSON {
				items[i], err = jsonText(c, it)
			} else {
				items[i], err = binaryValue(it)
			}
			if err != nil {
				return nil, err
			}
		}
		return json.Marshal(items)
	}
	return raw, nil
}

// jsonText is the JSON value a json column's string carries, checked; a
// JSON value rather than a string (a Debezium producer may send one) is
// taken as it is.
func jsonText(c fsql.Column, raw json.RawMessage) (json.RawMessage, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return raw, nil
	}
	if !json.Valid([]byte(s)) {
		return nil, fmt.Errorf("column %s: %q is not JSON", c.Name, s)
	}
	return json.RawMessage(s), nil
}

func binaryValue(raw json.RawMessage) (json.RawMessage, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("binary value %s is not a base64 string", raw)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("binary value %q: %w", s, err)
	}
	return json.Marshal(`\x` + hex.EncodeToString(b))
}
