// Package retry says which answers are worth asking again: postflight waits
// for a service that is starting, replicating or behind a proxy that has not
// found it yet, never for a broken one to answer right once.
package retry

import "net/http"

// Final says an HTTP status is the service failing, for certain: a 5xx
// other than those of a service or its proxy not ready yet (502, 503, 504).
// No answer, a 404 or a stale body are worth another try; a 500 from a
// service that answers is the version under test failing.
func Final(status int) bool {
	switch status {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return false
	}
	return status >= 500 && status <= 599
}
