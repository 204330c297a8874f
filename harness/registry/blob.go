package registry

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Blob is one config or layer blob of an image and what the registry
// served of it.
type Blob struct {
	Digest    string `json:"digest"`
	Size      int64  `json:"size"`
	MediaType string `json:"media_type,omitempty"`
	// Kind is "config" or "layer".
	Kind  string `json:"kind"`
	State State  `json:"state"`
	// Received is how many bytes came back (on the last attempt).
	Received int64 `json:"received"`
	// Cause says why the blob is Unverified.
	Cause Cause `json:"cause,omitempty"`
	// Detail is one line on what was found, for anything but Intact.
	Detail string `json:"detail,omitempty"`
}

// errStalled ends a download that went DefaultStallTimeout (or the
// client's) without receiving a byte.
var errStalled = errors.New("no data received")

// copyBuffers are the buffers blobs are streamed through.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 1<<20); return &b }}

// download is what one GET of a blob brought back.
type download struct {
	status        int
	contentLength int64
	received      int64
	digest        v1.Hash
	// err ended the body early (or the request); nil when the body was read
	// to its end.
	err error
}

// checkBlob fetches b from the registry and fills in its state.
func (c *Client) checkBlob(ctx context.Context, s *session, b *Blob) {
	want, err := v1.NewHash(b.Digest)
	if err != nil {
		b.State, b.Detail = Corrupt, fmt.Sprintf("the manifest names an invalid digest: %v", err)
		return
	}
	d := c.download(ctx, s, want, b.Size)
	if d.err != nil && d.status == http.StatusOK && classify(ctx, d.err) == CauseConnection {
		// The body ended early. A broken connection ends it anywhere; a
		// registry whose file is short ends it at the same byte every time.
		again := c.download(ctx, s, want, b.Size)
		if again.err != nil && again.status == http.StatusOK && again.received == d.received &&
			classify(ctx, again.err) == CauseConnection {
			b.Received = d.received
			if d.received == 0 {
				b.State, b.Detail = Missing, fmt.Sprintf("the registry announces %d bytes and serves none (twice)", b.Size)
			} else {
				b.State, b.Detail = Truncated, fmt.Sprintf("the registry serves %d of %d bytes (twice)", d.received, b.Size)
			}
			return
		}
		d = again
	}
	b.Received = d.received
	op := fmt.Sprintf("fetch blob %s from %s", b.Digest, s.repo.Name())
	switch {
	case d.err != nil:
		cause := classify(ctx, d.err)
		if d.status != 0 && d.status != http.StatusOK {
			cause = statusCause(d.status)
		}
		if cause == CauseNotFound {
			b.State, b.Detail = Missing, "the registry answers "+c.redact.error(d.err)
			return
		}
		e := c.newError(op, s, cause, d.status, d.err)
		if d.status == http.StatusOK {
			e.Detail = fmt.Sprintf("after %d of %d bytes: %s", d.received, b.Size, e.Detail)
		}
		b.State, b.Cause, b.Detail = Unverified, cause, e.Detail
	case d.contentLength == 0 && b.Size > 0:
		b.State, b.Detail = Missing, fmt.Sprintf("the registry serves 0 of %d bytes", b.Size)
	case d.contentLength >= 0 && d.contentLength < b.Size:
		b.State, b.Detail = Truncated, fmt.Sprintf("the registry serves %d of %d bytes", d.contentLength, b.Size)
	case d.contentLength > b.Size:
		b.State, b.Detail = Corrupt, fmt.Sprintf("the registry serves %d bytes, the manifest says %d", d.contentLength, b.Size)
	case d.received < b.Size:
		b.State, b.Detail = Truncated, fmt.Sprintf("the registry serves %d of %d bytes", d.received, b.Size)
	case d.received > b.Size:
		b.State, b.Detail = Corrupt, fmt.Sprintf("the registry serves more than the %d bytes the manifest says", b.Size)
	case d.digest != want:
		b.State, b.Detail = Corrupt, fmt.Sprintf("the %d bytes served hash to %s", d.received, d.digest)
	default:
		b.State = Intact
	}
}

// download GETs a blob and streams its body through the digest's hash,
// reading at most size+1 bytes. It gives up when no byte arrives for the
// client's stall timeout.
func (c *Client) download(ctx context.Context, s *session, want v1.Hash, size int64) download {
	d := download{contentLength: -1}
	ctx, watchdog, release := c.watched(ctx)
	defer release()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url("blobs", want.String()), nil)
	if err != nil {
		d.err = err
		return d
	}
	// Asking for identity keeps any transport from decompressing the body.
	req.Header.Set("Accept-Encoding", "identity")
	resp, err := s.client.Do(req)
	if err != nil {
		d.err = c.stalled(ctx, err)
		return d
	}
	defer resp.Body.Close()
	d.status = resp.StatusCode
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		d.err = fmt.Errorf("status %d %s%s", resp.StatusCode, http.StatusText(resp.StatusCode), errorCodes(body))
		return d
	}
	d.contentLength = resp.ContentLength
	if d.contentLength >= 0 && d.contentLength != size {
		return d // the size is wrong before a byte is read
	}
	h, err := v1.Hasher(want.Algorithm)
	if err != nil {
		d.err = err
		return d
	}
	buf := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(buf)
	d.received, d.err = copyWatched(h, io.LimitReader(resp.Body, size+1), *buf, watchdog, c.stall)
	d.err = c.stalled(ctx, d.err)
	d.digest = v1.Hash{Algorithm: want.Algorithm, Hex: hex.EncodeToString(h.Sum(nil))}
	return d
}

// watched returns ctx, canceled with errStalled when its watchdog goes
// the client's stall timeout without being reset, and the function that
// releases both.
func (c *Client) watched(ctx context.Context) (context.Context, *time.Timer, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	watchdog := time.AfterFunc(c.stall, func() { cancel(errStalled) })
	return ctx, watchdog, func() { watchdog.Stop(); cancel(nil) }
}

// copyWatched copies r into h through buf, putting off the watchdog after
// every read that brought bytes.
func copyWatched(h io.Writer, r io.Reader, buf []byte, watchdog *time.Timer, stall time.Duration) (int64, error) {
	var n int64
	for {
		k, err := r.Read(buf)
		if k > 0 {
			watchdog.Reset(stall)
			h.Write(buf[:k])
			n += int64(k)
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// stalled returns errStalled for an error caused by the stall watchdog.
func (c *Client) stalled(ctx context.Context, err error) error {
	if err != nil && errors.Is(context.Cause(ctx), errStalled) {
		return fmt.Errorf("%w for %s", errStalled, c.stall)
	}
	return err
}
