package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/postflight/postflight/harness/packages"
)

// Exit codes of postflight diff besides 0 (no differences, or the policy
// passed) and 2 (usage).
const (
	diffExitError       = 1 // an image, or an entry in one, could not be read
	diffExitDifferences = 3 // differences found, or the policy failed
)

func newDiffCmd() *cobra.Command {
	var format string
	var expect, failOn []string
	cmd := &cobra.Command{
		Use:   "diff OLD NEW [--format table|json|markdown] [--expect PACKAGE]... [--fail-on RULES]",
		Short: "Compare the packages installed in two images",
		Long: `diff lists the packages installed in two images and prints what was added,
removed, upgraded and downgraded between them, per ecosystem: Debian (dpkg),
RPM, Alpine (apk), Python (dist-info and egg-info in site-packages and
dist-packages), Node (node_modules) and Go (the build information of Go
executables). Versions are printed exactly as recorded and ordered by each
ecosystem's own rules (Debian epochs and ~, RPM, apk, PEP 440, semver).
An image in the local daemon is read from its storage driver's layer
directories (overlay2, fuse-overlayfs) when postflight runs as root on the
daemon's host, only the package files opened; otherwise it is exported with
docker save. The output says which, and why not the layer store.
Layers are applied with their whiteouts and streamed, not extracted: the
one file written to disk is an RPM database, copied to a temporary file
($TMPDIR) while it is read (SQLite needs a file), at most 128 MiB with runs
of zeros left as holes, and removed after. Images are untrusted: files
larger than postflight reads (a dpkg or apk database over 64 MiB, a
package's metadata over 16 MiB), files of more than 65536 packages or 100
malformed entries, and executables whose Go build information is past their
first GiB are problems, reported with the file and the limit; layers over
64 GiB uncompressed, images of more than 1024 layers, or more than 4M
entries all told are errors.

With --expect or --fail-on, diff is a gate. --fail-on picks the rules:
  unexpected  a change to a package no --expect allows
  removed     a package removed
  downgrade   a package downgraded (or changed to a version that cannot be
              ordered)
  major       a change of major version (epoch or first number)
--expect declares a change the deploy is meant to ship, as
[ECOSYSTEM:]NAME [CONSTRAINT]: NAME may hold * and ?, CONSTRAINT is
comparisons (=, !=, <, <=, >, >=) the new version must all meet, and
ECOSYSTEM is one of deb, rpm, apk, pypi, npm, golang. A change an --expect
allows passes every rule. --expect alone means --fail-on unexpected. A
problem reading either image always fails the gate.

Image references:
` + packages.ReferenceSyntax + `

Exit codes:
  0  no differences; with a policy: no change it fails on
  1  an image could not be read (no such image, Docker or the registry
     unreachable, an unreadable tarball, a corrupt layer), or an entry of a
     package database could not be read (the diff of the rest is printed,
     with the problems)
  2  usage error
  3  differences found; with a policy: a change it fails on`,
		Example: `  postflight diff app:1.3.2 app:1.4.0
  postflight diff docker://registry.example.com/app:1.3.2 docker-archive:app-1.4.0.tar --format markdown
  postflight diff app:1.3.2 app:1.4.0 --expect 'pypi:eventlet >=0.20.1, <0.21' --fail-on unexpected,downgrade`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usageError{fmt.Errorf("diff takes two images, OLD and NEW, got %d argument(s) (see %s --help)", len(args), cmd.CommandPath())}
			}
			for _, a := range args {
				if _, err := packages.ParseReference(a); err != nil {
					return usageError{err}
				}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := packages.ParseFormat(format)
			if err != nil {
				return usageError{fmt.Errorf("--format: %w", err)}
			}
			policy, judged, err := diffPolicy(expect, failOn)
			if err != nil {
				return usageError{err}
			}
			d, err := packages.Compare(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			var verdict *packages.Verdict
			if judged {
				verdict = policy.Evaluate(d)
			}
			if err := packages.Write(cmd.OutOrStdout(), f, d, verdict); err != nil {
				return err
			}
			switch {
			case len(d.Problems) > 0:
				fmt.Fprintf(cmd.ErrOrStderr(), "postflight: %d problem(s) reading the images: the diff is incomplete\n", len(d.Problems))
				return exitCode(diffExitError)
			case verdict != nil && !verdict.Passed(), verdict == nil && len(d.Changes) > 0:
				return exitCode(diffExitDifferences)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", string(packages.Table), "output format: table, json or markdown")
	cmd.Flags().StringArrayVar(&expect, "expect", nil, "a change the deploy is meant to ship: [ECOSYSTEM:]NAME [CONSTRAINT] (repeatable)")
	cmd.Flags().StringSliceVar(&failOn, "fail-on", nil, "rules that fail the diff: unexpected, removed, downgrade, major (comma-separated)")
	return cmd
}

// diffPolicy builds the policy the flags describe; judged is false when
// they describe none.
func diffPolicy(expect, failOn []string) (packages.Policy, bool, error) {
	var p packages.Policy
	for _, s := range expect {
		e, err := packages.ParseExpectation(s)
		if err != nil {
			return p, false, fmt.Errorf("--expect: %w", err)
		}
		p.Expected = append(p.Expected, e)
	}
	for _, s := range failOn {
		r, err := packages.ParseRule(s)
		if err != nil {
			return p, false, fmt.Errorf("--fail-on: %w", err)
		}
		p.FailOn = append(p.FailOn, r)
	}
	if len(p.Expected) > 0 && len(p.FailOn) == 0 {
		p.FailOn = []packages.Rule{packages.FailUnexpected}
	}
	return p, len(p.FailOn) > 0, nil
}
