package relay

import (
	"fmt"

	"github.com/ferry-cdc/ferry/change"
	"github.com/ferry-cdc/ferry/config"
	fsql "github.com/ferry-cdc/ferry/sql"
)

// table is one captured table as the relay produces it.
type table struct {
	change *change.Table
	topic  string
	label  string // schema.table, as metrics name it
	// limit is the largest message its topic takes: kafka.max_message_bytes,
	// or less when the topic allows less and cannot be raised.
	limit int
}

// TopicName is the default topic of a table (config.TopicName, which
// config validation checks tables against).
func TopicName(prefix, schema, name string) string { return config.TopicName(prefix, schema, name) }

// tables maps the registry's table ids to what the relay needs, with the
// topic each table's changes go to. Two tables may not share a topic.
func tables(src *config.Source, names config.Namer, prefix string, values fsql.Values, reg []fsql.Registered) (map[int]*table, error) {
	override := map[string]string{}
	for _, t := range src.Tables {
		if t.Topic != "" {
			s, n := t.Qualified(names)
			override[s+"."+n] = t.Topic
		}
	}
	out := make(map[int]*table, len(reg))
	owner := map[string]string{}
	for _, r := range reg {
		topic := override[r.String()]
		if topic == "" {
			topic = TopicName(prefix, r.Schema, r.Name)
		}
		if other, ok := owner[topic]; ok {
			return nil, fmt.Errorf("tables %s and %s would share topic %s: give one of them a topic: in the config", other, r, topic)
		}
		owner[topic] = r.String()
		out[r.ID] = &table{
			topic: topic,
			label: r.String(),
			change: &change.Table{
				Source: src.Name, DB: src.Name, Schema: r.Schema, Name: r.Name,
				Key: r.Key, Columns: r.Columns, Exclude: r.Exclude, Values: values,
			},
		}
	}
	return out, nil
}
