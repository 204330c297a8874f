package registry

// State is what the registry served of one manifest or blob.
type State string

// The states. Missing, Truncated and Corrupt are the image's (the
// registry's content's) fault; Unverified says the registry could not be
// asked (see Cause) and proves nothing either way.
const (
	// Intact: every byte served, as many as the descriptor says, with the
	// digest it names.
	Intact State = "intact"
	// Missing: the registry does not have it (404), or announces it and
	// serves none of its bytes.
	Missing State = "missing"
	// Truncated: the registry serves fewer bytes than the descriptor says,
	// the same number on a second try.
	Truncated State = "truncated"
	// Corrupt: the bytes served do not hash to the digest, or there are more
	// of them than the descriptor says.
	Corrupt State = "corrupt"
	// Unverified: the registry could not be asked or did not answer in full
	// (timeout, connection, credentials, server error).
	Unverified State = "unverified"
	// Skipped: a foreign (non-distributable) layer, which registries do not
	// hold and pulls fetch from elsewhere.
	Skipped State = "skipped"
)

// Bad reports whether the state proves the image cannot be pulled whole.
func (s State) Bad() bool { return s == Missing || s == Truncated || s == Corrupt }
