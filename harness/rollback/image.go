package rollback

import (
	"context"
	"fmt"

	"github.com/distribution/reference"
	"github.com/moby/moby/client"
)

// SameImage is sameImage, for callers that must not roll back to the image
// under test.
func SameImage(a, b string) bool { return sameImage(a, b) }

// sameImage says two image references name the same image, as far as the
// references tell: the same repository and, where both give one, the same
// digest and the same tag (no tag means latest). "app:1.0" and
// "docker.io/library/app:1.0@sha256:..." are the same; "app@sha256:..."
// and "app:1.0" cannot be told apart without a registry and count as
// different.
func sameImage(a, b string) bool {
	if a == b {
		return true
	}
	na, errA := reference.ParseNormalizedNamed(a)
	nb, errB := reference.ParseNormalizedNamed(b)
	if errA != nil || errB != nil || na.Name() != nb.Name() {
		return false
	}
	da, aDigest := na.(reference.Digested)
	db, bDigest := nb.(reference.Digested)
	if aDigest && bDigest {
		return da.Digest() == db.Digest()
	}
	ta, aTag := reference.TagNameOnly(na).(reference.Tagged)
	tb, bTag := reference.TagNameOnly(nb).(reference.Tagged)
	if (aDigest && !hasTag(na)) || (bDigest && !hasTag(nb)) {
		return false
	}
	return aTag && bTag && ta.Tag() == tb.Tag()
}

func hasTag(n reference.Named) bool {
	_, ok := n.(reference.Tagged)
	return ok
}

// imageID is the local ID (sha256:...) of an image reference.
func imageID(ctx context.Context, cli *client.Client, ref string) (string, error) {
	res, err := cli.ImageInspect(ctx, ref)
	if err != nil {
		return "", fmt.Errorf("inspect image %s: %w", ref, err)
	}
	return res.ID, nil
}

// shortID is the 12 hex digits of an image or container ID.
func shortID(id string) string {
	if len(id) > 7 && id[:7] == "sha256:" {
		id = id[7:]
	}
	if len(id) > 12 {
		id = id[:12]
	}
	return id
}
