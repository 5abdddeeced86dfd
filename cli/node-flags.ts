/**
 * The flags the CLI's Node runs with: the `slo-pipeline` bin's shebang line
 * (`#!/usr/bin/env -S node ...`), `npm start` and the image's entry point pass them, and a
 * test keeps the four equal.
 *
 * `--max-semi-space-size=2` (MiB): V8's young generation grows to 16 MiB per semi-space by
 * default, and an ingest allocates fast enough to keep it there and to promote what would
 * have died young. With 2 MiB the JavaScript heap of `ingest` peaks at about 70 MB
 * instead of about 190-240 MB, for a few percent more CPU in scavenges (README,
 * Performance).
 *
 * `--heap-growing-percent=50`: after each full collection V8 lets the old generation grow
 * to a multiple of what survived before the next one, up to 4x when collections are cheap,
 * as they are here. An ingest keeps about 30 MB alive, so the heap swung between about 30 and
 * 100 MB. At 1.5x it stays under about 60 MB: on the 1 GB simulator file the peak RSS of
 * `ingest` was 476-488 MB against 527-552 MB without the flag, for about 0.8 s more of
 * collections in a 30 s run (`--trace-gc`: 2.8 s against 1.9 s), and 2x was in between (494-501 MB).
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2', '--heap-growing-percent=50'];
