# postflight — see README.md.
GO      ?= go
BIN     := bin/postflight
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
# A run removes what it creates itself, so it needs no reaper container (it
# could not be pulled here anyway); postflight sets both when they are unset.
export TESTCONTAINERS_RYUK_DISABLED ?= true
export TESTCONTAINERS_HOST_OVERRIDE ?= 127.0.0.1

.PHONY: all build deps swarm-node-image images demo test test-unit fuzz bench lint cleanup clean

all: build

build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/postflight

# What the tests need beyond Go and Docker (the real registry, from Debian's
# packages, and the multi-node Swarm's node image), installed or built when it
# can be, or named in one line.
deps:
	fixtures/deps.sh test

# The image of one node of the tests' multi-node Swarm (Docker in a container,
# from debootstrap): built once, about 3 minutes, reused while it exists.
swarm-node-image:
	fixtures/swarm/build-node-image.sh

# The demo service's images, one per line of fixtures/demo/versions.txt, and
# the package-diff fixtures (postflight-pkgs:old and :new).
images:
	fixtures/deps.sh demo
	fixtures/demo/build-images.sh
	fixtures/packages/build-images.sh

# Runs the bundled plan twice: a good version (exit 0) and a broken one
# (rolled back, exit 3). Succeeds only when both end as expected.
demo: build images
	fixtures/demo/demo.sh $(BIN)

# Runs $(1), then leaves the daemon's swarm as it was found: tests that need
# Swarm make the daemon a one-node swarm when it is not one, and never leave
# it themselves (packages test in parallel).
swarm_as_found = swarm=$$(docker info --format '{{.Swarm.LocalNodeState}}'); \
	$(1); rc=$$?; \
	if [ "$$swarm" = inactive ] && [ "$$(docker info --format '{{.Swarm.LocalNodeState}}')" != inactive ]; then \
		docker swarm leave --force >/dev/null 2>&1; docker network rm docker_gwbridge >/dev/null 2>&1; \
	fi; \
	exit $$rc

# The whole suite: vet, a short run of every fuzz target, then unit tests and
# the tests against the real Docker daemon.
test: deps images
	$(GO) vet ./...
	@$(MAKE) --no-print-directory fuzz
	@$(call swarm_as_found,$(GO) test -count=1 -timeout 25m ./...)

# Every fuzz target (func FuzzXxx in a _test.go file) for FUZZTIME each; their
# seed corpora (testdata/fuzz/) also run as ordinary tests in `go test`. A
# failing input is written to the package's testdata/fuzz/ and fails the run.
# Go's fuzzing engine now and then reports "context deadline exceeded" when
# the time is up and a worker is slow to stop, with no failing input: that
# target runs once more.
FUZZTIME ?= 4s
fuzz:
	@mkdir -p build
	@for f in $$(grep -rl --include='*_test.go' '^func Fuzz' cmd harness slo suites); do \
		for t in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$f); do \
			echo "fuzz $$t in ./$$(dirname $$f) for $(FUZZTIME)"; \
			for try in 1 2; do \
				$(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 3s ./$$(dirname $$f) >build/fuzz.log 2>&1 && break; \
				if [ $$try = 1 ] && grep -q 'context deadline exceeded' build/fuzz.log && ! grep -q 'Failing input written' build/fuzz.log; then \
					echo "  the fuzzing engine timed out stopping its workers (no failing input): once more"; continue; \
				fi; \
				cat build/fuzz.log; exit 1; \
			done; \
		done; \
	done

# Unit tests only: no Docker needed.
test-unit:
	$(GO) test -count=1 -short ./...

# Every benchmark once; figures and how to read them: docs/benchmarks.md.
bench: images
	@$(call swarm_as_found,$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 40m ./...)

# Removes containers and networks of killed runs.
cleanup: build
	$(BIN) cleanup

clean: cleanup
	rm -rf bin build
