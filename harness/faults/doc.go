// Package faults is postflight's fault matrix: real plans run through
// harness.Run against a loopback service of known behaviour put behind
// toxiproxy (refused, reset, slowed, sliced, throttled, killed mid-load),
// against registries that hang, refuse credentials, fail or serve
// truncated blobs, against a Docker daemon that cannot be reached, and
// against a replica whose container stops answering mid-check.
//
// Each case asserts what postflight says: the check's status, the run's
// outcome and exit code, and that the reason names the cause. The rule
// they hold postflight to: no answer at all is inconclusive, wrong answers
// fail, a fault the service survives passes — and nothing is a pass
// without evidence. docs/faults.md lists the matrix.
//
// The package has no code of its own besides this file; the matrix is its
// tests.
package faults
