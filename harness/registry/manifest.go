package registry

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Manifest is one manifest of an image: an index (manifest list) or an
// image manifest, and what the registry served of it.
type Manifest struct {
	Digest    string `json:"digest,omitempty"`
	MediaType string `json:"media_type,omitempty"`
	Size      int64  `json:"size,omitempty"`
	// Platform is the platform an index gives the manifest, "" for the top.
	Platform string `json:"platform,omitempty"`
	State    State  `json:"state"`
	Cause    Cause  `json:"cause,omitempty"`
	Detail   string `json:"detail,omitempty"`
}

// manifestLimit bounds what is read of a manifest (the OCI spec's 4 MiB).
const manifestLimit = 4 << 20

// acceptedManifests are the manifest media types a pull accepts.
var acceptedManifests = strings.Join([]string{
	string(types.OCIImageIndex), string(types.OCIManifestSchema1),
	string(types.DockerManifestList), string(types.DockerManifestSchema2),
}, ", ")

// fetchManifest GETs a manifest by tag or digest. When want is not nil (a
// manifest an index names) the bytes must match its digest and size. The
// returned Manifest's State (a size below 0 is not checked) is Intact when they do and the body parses;
// otherwise it says what is wrong, and for a registry that could not be
// asked, err is the *Error.
func (c *Client) fetchManifest(ctx context.Context, s *session, identifier string, want *v1.Descriptor) ([]byte, Manifest, error) {
	m := Manifest{}
	if want != nil {
		m.Digest, m.Size, m.MediaType = want.Digest.String(), want.Size, string(want.MediaType)
		if want.Platform != nil {
			m.Platform = want.Platform.String()
		}
	}
	op := fmt.Sprintf("fetch manifest %s of %s", identifier, s.repo.Name())
	// A registry that sends the headers and then stalls is a timeout too,
	// not a wait without end.
	wctx, watchdog, release := c.watched(ctx)
	defer release()
	req, err := http.NewRequestWithContext(wctx, http.MethodGet, s.url("manifests", identifier), nil)
	if err != nil {
		return nil, m, fmt.Errorf("%s: %w", op, err)
	}
	req.Header.Set("Accept", acceptedManifests)
	resp, err := s.client.Do(req)
	if err != nil {
		err = c.stalled(wctx, err)
		e := c.newError(op, s, classify(ctx, err), 0, err)
		m.State, m.Cause, m.Detail = Unverified, e.Cause, e.Detail
		return nil, m, e
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, err = copyWatched(&buf, io.LimitReader(resp.Body, manifestLimit+1), make([]byte, 32<<10), watchdog, c.stall)
	err = c.stalled(wctx, err)
	body := buf.Bytes()
	if resp.StatusCode != http.StatusOK {
		cause := statusCause(resp.StatusCode)
		e := c.newError(op, s, cause, resp.StatusCode, fmt.Errorf("status %d %s%s", resp.StatusCode, http.StatusText(resp.StatusCode), errorCodes(body)))
		m.State, m.Cause, m.Detail = Unverified, cause, e.Detail
		if cause == CauseNotFound {
			m.State, m.Cause = Missing, ""
		}
		return nil, m, e
	}
	if err != nil {
		e := c.newError(op, s, classify(ctx, err), 0, err)
		m.State, m.Cause, m.Detail = Unverified, e.Cause, e.Detail
		return nil, m, e
	}
	if len(body) > manifestLimit {
		m.State, m.Detail = Corrupt, fmt.Sprintf("larger than %d bytes", manifestLimit)
		return nil, m, nil
	}
	algorithm := "sha256"
	if want != nil {
		algorithm = want.Digest.Algorithm
	}
	h, err := v1.Hasher(algorithm)
	if err != nil {
		m.State, m.Detail = Corrupt, err.Error()
		return nil, m, nil
	}
	h.Write(body)
	got := v1.Hash{Algorithm: algorithm, Hex: hex.EncodeToString(h.Sum(nil))}
	mediaType := sniffMediaType(resp.Header.Get("Content-Type"), body)
	if want == nil {
		m.Digest = got.String()
	}
	if want == nil || want.Size < 0 {
		m.Size = int64(len(body))
	}
	if m.MediaType == "" {
		m.MediaType = string(mediaType)
	}
	switch {
	case want != nil && want.Size >= 0 && int64(len(body)) != want.Size:
		m.State, m.Detail = Corrupt, fmt.Sprintf("the registry serves %d bytes, the index says %d", len(body), want.Size)
	case want != nil && got != want.Digest:
		m.State, m.Detail = Corrupt, fmt.Sprintf("the bytes served hash to %s", got)
	case !mediaType.IsIndex() && !mediaType.IsImage():
		m.State, m.Detail = Unverified, fmt.Sprintf("unsupported manifest media type %q", mediaType)
		m.Cause = CauseRegistry
	default:
		m.State = Intact
	}
	return body, m, nil
}

// sniffMediaType is the manifest's media type: its own mediaType field, or
// the Content-Type the registry sent.
func sniffMediaType(contentType string, body []byte) types.MediaType {
	var probe struct {
		MediaType types.MediaType `json:"mediaType"`
		Manifests json.RawMessage `json:"manifests"`
	}
	if json.Unmarshal(body, &probe) == nil {
		switch {
		case probe.MediaType != "":
			return probe.MediaType
		case ct(contentType) != "":
			return ct(contentType)
		case probe.Manifests != nil:
			return types.OCIImageIndex
		default:
			return types.OCIManifestSchema1
		}
	}
	return ct(contentType)
}

// ct strips parameters from a Content-Type.
func ct(contentType string) types.MediaType {
	mt, _, _ := strings.Cut(contentType, ";")
	return types.MediaType(strings.TrimSpace(mt))
}

// errorCodes lists the error codes of a registry's error body, as
// ": CODE, CODE".
func errorCodes(body []byte) string {
	var e struct {
		Errors []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	if json.Unmarshal(bytes.TrimSpace(body), &e) != nil || len(e.Errors) == 0 {
		return ""
	}
	parts := make([]string, 0, len(e.Errors))
	for _, d := range e.Errors {
		parts = append(parts, strings.TrimSpace(d.Code+" "+d.Message))
	}
	return ": " + strings.Join(parts, "; ")
}
