package sql

import (
	"errors"
	"os"
	"strconv"
	"time"
)

// What operating Ferry keeps beside the applier's offsets in a target:
// heartbeats and the progress of each partition, and whether a route is
// paused. The dialect methods that read and write them are optional: the
// packages that use them declare the interfaces they need.

// Heartbeat is one heartbeat of a source as it reached a partition.
// The json names are ferry status --json's.
type Heartbeat struct {
	Source string `json:"source"`
	Seq    int64  `json:"seq"`
	// Committed is when the heartbeat committed at the source, as the relay
	// bounds it (see package internal/latency).
	Committed time.Time `json:"committed"`
	// Interval is how often the relay that wrote it writes one.
	Interval time.Duration `json:"interval_ns"`
}

// Progress is what one committed batch did on one partition, recorded in
// the transaction that stores its offsets.
type Progress struct {
	Topic     string
	Partition int32
	// Applied is when the batch was applied; ChangeCommitted, when the
	// latest data change it applied committed at the source (zero when the
	// batch applied none, or did not know).
	Applied         time.Time
	Changed         bool
	ChangeCommitted time.Time
	// Heartbeat is the latest heartbeat the batch took the partition past.
	Heartbeat *Heartbeat
}

// PartitionProgress is what a target knows of one partition of a group.
type PartitionProgress struct {
	Topic     string
	Partition int32
	// Next is the next offset to apply; -1 when none is stored.
	Next int64
	// ChangeApplied is when a data change of the partition was last
	// applied, ChangeCommitted when that change committed at the source;
	// zero when none was.
	ChangeApplied, ChangeCommitted time.Time
	// Heartbeat is the latest heartbeat applied, HeartbeatApplied when.
	Heartbeat        *Heartbeat
	HeartbeatApplied time.Time
}

// RouteState is whether a route of a group is paused, and who said so.
type RouteState struct {
	Route  string
	Paused bool
	Since  time.Time
	By     string
	Reason string
}

// LeaseHolder is the session that holds a relay's lease in a source.
// The json names are ferry status --json's.
type LeaseHolder struct {
	PID int `json:"pid"`
	// Application is the session's application_name; Client its address.
	Application string    `json:"application"`
	Client      string    `json:"client"`
	User        string    `json:"user"`
	Since       time.Time `json:"since"`
}

// ErrNoHeartbeat is returned (wrapped) when a source's capture schema is
// too old to write heartbeats: `ferry migrate up` upgrades it.
var ErrNoHeartbeat = errors.New("the capture schema has no heartbeat function: run ferry migrate up")

// LeaseName is how the session that holds the lease of a relay of source
// names itself while it leads, so that the server's session list, and
// `ferry status`, say which relay leads: its source, host and process.
func LeaseName(source string) string {
	host, _ := os.Hostname()
	return "ferry relay " + source + " " + host + " pid " + strconv.Itoa(os.Getpid())
}
