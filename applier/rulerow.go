package applier

import (
	"encoding/json"

	"github.com/ferry-cdc/ferry/applier/rule"
	fsql "github.com/ferry-cdc/ferry/sql"
)

// ruleRow types a change's values for rules by the target column each
// source column writes (rule.Value says how); a column the route drops, or
// one the target lacks, is typed from its JSON.
func ruleRow(r *route, image map[string]json.RawMessage) (map[string]any, error) {
	row := make(map[string]any, len(image))
	for col, raw := range image {
		c, ok := r.typed[col]
		if !ok {
			c = fsql.Column{Name: col}
		}
		v, err := rule.Value(c, raw)
		if err != nil {
			return nil, err
		}
		row[col] = v
	}
	return row, nil
}
