package change_test

import (
	"os"
	"testing"

	"github.com/ferry-cdc/ferry/change"
)

// TestMain pins the version the envelopes state, so that golden files do
// not change with every build.
func TestMain(m *testing.M) {
	change.Version = "dev"
	os.Exit(m.Run())
}
