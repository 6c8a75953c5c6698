package sql

import "time"

// ConnectTimeout bounds opening one connection (dial, TLS, login) when
// the DSN does not set its own bound: a host that accepts TCP and never
// answers must not stop a command or a daemon for ever. It bounds the
// handshake only, never a statement: the drivers' own per-read timeouts
// would also cut off a long-running query.
const ConnectTimeout = 10 * time.Second
