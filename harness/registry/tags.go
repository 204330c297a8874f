package registry

import (
	"context"

	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Tags lists the tags of a repository ("localhost:5000/app"), every page.
// A registry that could not be asked gives an *Error.
func (c *Client) Tags(ctx context.Context, repository string) ([]string, error) {
	repo, err := c.parseRepository(repository)
	if err != nil {
		return nil, err
	}
	s, err := c.session(ctx, repo)
	if err != nil {
		return nil, err
	}
	tags, err := remote.List(repo, remote.WithContext(ctx), remote.WithTransport(s.client.Transport))
	if err != nil {
		return nil, c.newError("list tags of "+repo.Name(), s, classify(ctx, err), statusOf(err), err)
	}
	return tags, nil
}
