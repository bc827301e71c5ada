#!/usr/bin/env bash
# Builds every fuzz target and runs each briefly from its seeds, so that the targets keep
# compiling and the seeds keep passing. Not a fuzzing campaign: see README.md for long runs.
#
# Needs a nightly toolchain and cargo-fuzz, and installs them where missing (on a machine with
# only stable Rust: about 45 s for the minimal nightly, a minute for cargo-fuzz).
# SECONDS_PER_TARGET (default 5) bounds each run.
set -euo pipefail
cd "$(dirname "$0")"

rustup run nightly rustc --version >/dev/null 2>&1 ||
  rustup toolchain install nightly --profile minimal
cargo +nightly fuzz --version >/dev/null 2>&1 || cargo install cargo-fuzz --locked

seconds="${SECONDS_PER_TARGET:-5}"
cargo +nightly fuzz build -O -a
# `seeds` is the seed generator, not a target.
for target in $(cargo +nightly fuzz list | grep -vx seeds); do
  corpus="corpus/$target"
  mkdir -p "$corpus"
  echo "fuzz: $target for ${seconds}s"
  # New inputs go to corpus/ (ignored by git); seeds/ stays as committed. A crash stops the
  # run with its input in artifacts/<target>/ and the reproduction command in the log.
  log="$(mktemp)"
  if ! cargo +nightly fuzz run -O -a "$target" "$corpus" "seeds/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    echo "fuzz: $target failed" >&2
    exit 1
  fi
  grep -E '^(stat::number_of_executed_units|#[0-9]+ +DONE)' "$log" || true
  rm -f "$log"
done
