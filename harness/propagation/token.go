package propagation

import (
	"crypto/rand"
	"encoding/hex"
)

// tokenBytes is the size of a token before hex encoding: 128 bits, so that no
// two samples, of this run or any other, share one.
const tokenBytes = 16

// newToken returns a fresh random token, in lower-case hex.
func newToken() string {
	b := make([]byte, tokenBytes)
	rand.Read(b) // never fails: crypto/rand crashes the program instead
	return hex.EncodeToString(b)
}
