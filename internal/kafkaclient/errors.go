package kafkaclient

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/ferry-cdc/ferry/config"
)

// Error is a Kafka failure that retrying cannot cure until someone changes
// the config or the cluster: the credentials are wrong, the brokers'
// certificate is not trusted, an ACL is missing. Its message says which,
// and what to check. A daemon that meets one stops: librdkafka would retry
// it forever, every few seconds, on every connection.
type Error struct {
	// Cause says what failed, for example "authentication failed".
	Cause string
	// Hint says what to check.
	Hint string
	Err  error
}

func (e *Error) Error() string {
	return "kafka: " + e.Cause + ": " + e.Err.Error() + " (" + e.Hint + ")"
}

func (e *Error) Unwrap() error { return e.Err }

// Permanent returns err as an *Error when it is one of the failures that
// retrying cannot cure, or nil:
//
//   - authentication: SASL credentials or mechanism refused;
//   - TLS: the handshake failed for a reason other than a lost connection,
//     such as a broker certificate that no trusted CA signed, or a name it
//     does not cover (librdkafka reports a disconnect during the handshake
//     as a transport error, which stays retriable);
//   - authorization: the principal lacks an ACL on a topic, a group, a
//     transactional id or the cluster.
func Permanent(err error) *Error {
	if err == nil {
		return nil
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e
	}
	ke, ok := errors.AsType[kafka.Error](err)
	if !ok {
		return nil
	}
	switch ke.Code() {
	case kafka.ErrAuthentication, kafka.ErrSaslAuthenticationFailed:
		return &Error{Cause: "authentication failed", Err: err,
			Hint: "check kafka.properties security.protocol, sasl.mechanisms, sasl.username and sasl.password"}
	case kafka.ErrSsl:
		if strings.Contains(ke.Error(), "certificate") {
			return &Error{Cause: "the broker's TLS certificate is not trusted", Err: err,
				Hint: "check kafka.properties ssl.ca.location: it must hold the CA that signed the brokers' certificates, which must name the addresses in kafka.brokers"}
		}
		return &Error{Cause: "TLS handshake failed", Err: err,
			Hint: "check kafka.properties security.protocol and ssl.*, and that kafka.brokers name TLS listeners"}
	case kafka.ErrTopicAuthorizationFailed:
		return notAuthorized(err, "the topics it reads or writes (READ or WRITE, DESCRIBE, DESCRIBE_CONFIGS; CREATE to create them)")
	case kafka.ErrGroupAuthorizationFailed:
		return notAuthorized(err, "its consumer group (READ)")
	case kafka.ErrTransactionalIDAuthorizationFailed:
		return notAuthorized(err, "its transactional id (WRITE and DESCRIBE on ferry-relay-<source>)")
	case kafka.ErrClusterAuthorizationFailed, kafka.ErrDelegationTokenAuthorizationFailed:
		return notAuthorized(err, "the cluster")
	}
	return nil
}

func notAuthorized(err error, what string) *Error {
	return &Error{Cause: "not authorized", Err: err,
		Hint: "the principal in kafka.properties sasl.username needs an ACL on " + what + "; README, Least privilege, lists them"}
}

// Fault keeps the first permanent error among a client's events, so that
// an operation waiting on the client can end as soon as one arrives
// instead of at its timeout.
type Fault struct {
	mu   sync.Mutex
	err  *Error
	done chan struct{}
}

// NewFault returns a Fault that has seen nothing.
func NewFault() *Fault { return &Fault{done: make(chan struct{})} }

// Observe looks at one event and reports whether it was a permanent error.
func (f *Fault) Observe(ev kafka.Event) bool {
	ke, ok := ev.(kafka.Error)
	if !ok {
		return false
	}
	perm := Permanent(ke)
	if perm == nil {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err == nil {
		f.err = perm
		close(f.done)
	}
	return true
}

// Done is closed when the first permanent error arrives.
func (f *Fault) Done() <-chan struct{} { return f.done }

// Err returns the first permanent error, or nil.
func (f *Fault) Err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err == nil {
		return nil
	}
	return f.err
}

// Context returns a context that ends with ctx or at the first permanent
// error, whichever comes first.
func (f *Fault) Context(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-f.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// ErrUnreachable is why Probe failed when no broker answered.
var ErrUnreachable = errors.New("no kafka broker answered")

// Probe connects to the brokers with k's settings and asks for the
// cluster's metadata, for up to wait. It returns nil once a broker answers;
// the permanent error the connection met (wrong credentials, an untrusted
// certificate), an *Error, as soon as it arrives; an error when the
// settings themselves are refused; and otherwise, at wait, an error
// wrapping ErrUnreachable with the last thing the client reported, which
// the caller may retry. Each daemon and command probes before it starts,
// so that a misconfigured client fails in seconds, with its cause.
func Probe(ctx context.Context, k config.Kafka, wait time.Duration) error {
	cm := Producer(k)
	p, err := kafka.NewProducer(&cm)
	if err != nil {
		return fmt.Errorf("kafka settings: %w", err)
	}
	defer p.Close()
	fault := NewFault()
	var mu sync.Mutex
	var last error
	down := make(chan struct{}, 1)
	go func() {
		for ev := range p.Events() {
			if e, ok := ev.(kafka.Error); ok && !fault.Observe(e) {
				mu.Lock()
				last = e
				mu.Unlock()
				if e.Code() == kafka.ErrAllBrokersDown {
					select {
					case down <- struct{}{}:
					default:
					}
				}
			}
		}
	}()
	unreachable := func() error {
		mu.Lock()
		defer mu.Unlock()
		return fmt.Errorf("%w at %s: %v", ErrUnreachable, strings.Join(k.Brokers, ","), last)
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	for {
		// A short timeout per try: the cause of a failure arrives among
		// the events, not as GetMetadata's error.
		_, err := p.GetMetadata(nil, false, 500)
		if err == nil {
			return nil
		}
		if f := fault.Err(); f != nil {
			return f
		}
		select {
		case <-fault.Done():
			return fault.Err()
		case <-down:
			// Every broker refused the connection. A handshake that failed
			// is reported before that; give its event a moment to come.
			time.Sleep(200 * time.Millisecond)
			if f := fault.Err(); f != nil {
				return f
			}
			return unreachable()
		case <-ctx.Done():
			mu.Lock()
			if last == nil {
				last = err
			}
			mu.Unlock()
			return unreachable()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
