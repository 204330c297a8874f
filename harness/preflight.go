package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/distribution/reference"

	"github.com/postflight/postflight/harness/compose"
	"github.com/postflight/postflight/harness/stack"
)

// preflight checks, before anything starts, what would otherwise stop the
// run half-way for reasons of its invocation — a rollback without an old
// image, images that are not on this host (postflight never pulls), a report
// directory that cannot be written — or let it pass without measuring: a
// replica no check asks anything. All problems are reported at once.
func (r *run) preflight(ctx context.Context) (string, error) {
	return "", r.runnable(ctx)
}

// runnable returns every problem of the plan and flags together that
// would stop the run half-way.
func (r *run) runnable(ctx context.Context) error {
	var errs []error
	p := r.plan
	if p.Stack.Replica != nil && r.rep.NewImage == "" {
		return errors.New("no image under test: give --new or images.new")
	}
	if p.Stack.Replica != nil && !p.MeasuresReplica() {
		errs = append(errs, errors.New("no check measures the replica: every check goes to a url of its own, the host or the registry, "+
			"so the image under test would start and be asked nothing; give a check a service of the compose file"))
	}
	for i, c := range p.Checks {
		if c.ComparesService() {
			errs = append(errs, fmt.Errorf("checks[%d] (%s): a compare check of service %q needs the stable version beside it, which only a canary rollout gives; "+
				"a run has no baseline: give compare.baseline_url and compare.canary_url to compare two URLs", i, c.Name, c.Service))
		}
	}
	if err := imageReferences(r.rep.NewImage, r.rep.OldImage); err != nil {
		return err
	}
	rollsBack := p.Rollback.Driver != ""
	if rollsBack && r.rep.OldImage == "" {
		errs = append(errs, errors.New("the plan rolls back, but to what? give --old or images.old"))
	}
	if rep := p.Stack.Replica; rep != nil {
		images := []string{r.rep.NewImage}
		if rollsBack && len(p.Rollback.Verify) > 0 && r.rep.OldImage != "" {
			images = append(images, r.rep.OldImage)
		}
		// The services not under test run the compose file's images.
		if proj, err := compose.Load(ctx, p.Resolve(rep.Compose), compose.ForRunning); err == nil {
			for _, name := range proj.ServiceNames() {
				if !slices.Contains(rep.UnderTest, name) && !slices.Contains(images, proj.Services[name].Image) {
					images = append(images, proj.Services[name].Image)
				}
			}
		} else {
			errs = append(errs, err)
		}
		errs = append(errs, r.imagesPresent(ctx, images)...)
	}
	errs = append(errs, r.reportDirWritable())
	return errors.Join(errs...)
}

// reportDirWritable checks the report directory, when there is one, can
// take the reports: better said now than after a rollback.
func (r *run) reportDirWritable() error {
	dir := r.reportDir()
	if dir == "" {
		return nil
	}
	if err := writable(dir); err != nil {
		return fmt.Errorf("report directory %s: %w", dir, err)
	}
	return nil
}

// imagesPresent reports the images that are not on this host. A daemon that
// cannot be reached is not the invocation's fault: the stack then reports
// it, as inconclusive.
func (r *run) imagesPresent(ctx context.Context, images []string) []error {
	cli, err := stack.NewDockerClient(ctx)
	if err != nil {
		return nil
	}
	defer cli.Close()
	var errs []error
	for _, img := range images {
		_, err := cli.ImageInspect(ctx, img)
		if cerrdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("image %s is not on this host (postflight does not pull images: build or pull it first)", img))
		}
	}
	return errs
}

// writable makes dir if needed and checks a file can be created in it.
func writable(dir string) error {
	if err := os.MkdirAll(dir, reportDirMode); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".postflight-probe-")
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(filepath.Clean(f.Name()))
}

// imageReferences refuses images that are no image reference (a typo, a
// stray newline): Docker would refuse them only once the stack came up,
// and they are written into the reports and a rollback's environment.
func imageReferences(newImage, oldImage string) error {
	var errs []error
	for _, img := range []struct{ what, ref string }{{"image under test", newImage}, {"rollback image", oldImage}} {
		if img.ref == "" {
			continue
		}
		if _, err := reference.ParseNormalizedNamed(img.ref); err != nil {
			errs = append(errs, fmt.Errorf("%s %q is not an image reference: %w", img.what, img.ref, err))
		}
	}
	return errors.Join(errs...)
}
