package applier

import (
	"bytes"
	"encoding/json"
	"fmt"
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
