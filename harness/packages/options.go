package packages

import (
	"context"
	"runtime"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/moby/moby/client"
)

// DockerClient is what reading images from the local daemon needs of a
// Docker client; *client.Client has it.
type DockerClient interface {
	ImageInspect(ctx context.Context, image string, opts ...client.ImageInspectOption) (client.ImageInspectResult, error)
	ImageSave(ctx context.Context, images []string, opts ...client.ImageSaveOption) (client.ImageSaveResult, error)
}

var _ DockerClient = (*client.Client)(nil)

// Option configures reading images.
type Option func(*options)

type options struct {
	docker   DockerClient
	keychain authn.Keychain
	platform v1.Platform
	remote   []remote.Option
	jobs     int
	// layerStore reads daemon images from the daemon's layer
	// directories when it can.
	layerStore bool
	// registryTimeout bounds each wait on a registry; 0 keeps the
	// registry package's defaults.
	registryTimeout time.Duration
}

// DefaultJobs is how many layers are read at once from registries and
// layouts: one per CPU.
var DefaultJobs = runtime.GOMAXPROCS(0)

func newOptions(opts []Option) *options {
	o := &options{
		keychain: authn.DefaultKeychain,
		platform: v1.Platform{OS: "linux", Architecture: runtime.GOARCH},
		jobs:     DefaultJobs,

		layerStore: true,
	}
	for _, opt := range opts {
		opt(o)
	}
	if o.jobs < 1 {
		o.jobs = 1
	}
	return o
}

// WithDockerClient reads daemon images through c instead of a client
// configured from the environment (DOCKER_HOST and friends).
func WithDockerClient(c DockerClient) Option { return func(o *options) { o.docker = c } }

// WithKeychain sets where registry credentials come from; the default is
// the Docker config (docker login) and its credential helpers.
func WithKeychain(k authn.Keychain) Option { return func(o *options) { o.keychain = k } }

// WithPlatform picks the image of a multi-platform image; the default is
// linux on this machine's architecture.
func WithPlatform(p v1.Platform) Option { return func(o *options) { o.platform = p } }

// WithRegistryTimeout bounds every wait on a registry (connecting, the
// start of each answer) by d; registry.DefaultDialTimeout and
// registry.DefaultResponseTimeout otherwise.
func WithRegistryTimeout(d time.Duration) Option { return func(o *options) { o.registryTimeout = d } }

// WithRemoteOptions passes options to go-containerregistry's remote
// package (a transport, a user agent).
func WithRemoteOptions(opts ...remote.Option) Option {
	return func(o *options) { o.remote = append(o.remote, opts...) }
}

// WithJobs sets how many layers are read at once from registries and
// layouts.
func WithJobs(n int) Option { return func(o *options) { o.jobs = n } }

// WithLayerStore sets whether images in the local daemon are read from the
// layer directories of its overlay storage driver when postflight runs
// beside it as root (the default), or always exported with docker save.
func WithLayerStore(on bool) Option { return func(o *options) { o.layerStore = on } }
