package applier

import (
	"encoding/json"
	"strconv"
	"time"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// ruleRow types a change's values for rules, by the kind of the target
// column each source column writes: numbers as int64 or float64 (decimals
// too, so that salary > 10000 reads as it should), dates and timestamps as
// time.Time, NULL as nil. A column the route drops is typed from its JSON.
func ruleRow(r *route, image map[string]json.RawMessage) map[string]any {
	row := make(map[string]any, len(image))
	for col, raw := range image {
		kind := fsql.Kind("")
		if c, ok := r.columns[r.target(col)]; ok && r.target(col) != "" {
			kind = c.Kind
		}
		row[col] = typed(kind, raw)
	}
	return row
}

func typed(kind fsql.Kind, raw json.RawMessage) any {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil || v == nil {
		return nil
	}
	s, isString := v.(string)
	switch kind {
	case fsql.KindInteger:
		if i, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
			return i
		}
	case fsql.KindDecimal, fsql.KindFloat:
		text := string(raw)
		if isString {
			text = s
		}
		if f, err := strconv.ParseFloat(text, 64); err == nil {
			return f
		}
	case fsql.KindDate:
		if t, err := time.Parse("2006-01-02", s); err == nil {
			return t
		}
	case fsql.KindTimestamp:
		if t, err := time.Parse("2006-01-02T15:04:05.999999", s); err == nil {
			return t
		}
	case fsql.KindTimestampTZ:
		if t, err := time.Parse("2006-01-02T15:04:05.999999Z07:00", s); err == nil {
			return t
		}
	}
	if f, ok := v.(float64); ok && f == float64(int64(f)) {
		if i, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
			return i
		}
	}
	return v
}
