/**
 * The flags the CLI's Node runs with: the `slo-pipeline` bin's shebang line
 * (`#!/usr/bin/env -S node ...`) and `npm start` pass them, and a test keeps the three equal.
 *
 * `--max-semi-space-size=2` (MiB): V8's young generation grows to 16 MiB per semi-space by
 * default, and an ingest allocates fast enough to keep it there and to promote what would
 * have died young. With 2 MiB the JavaScript heap of `ingest` peaks at about 70 MB
 * instead of about 190-240 MB, for a few percent more CPU in scavenges (README,
 * Performance).
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2'];
