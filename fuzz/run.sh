#!/usr/bin/env bash
# Runs every fuzz target (or those named) for a fixed number of executions against its
# corpus, growing it; prints each target's executions per second. Needs the nightly
# toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
#
#   fuzz/run.sh                  # 1,000,000 executions each
#   fuzz/run.sh 100000 scope_token token_verify
#
# A crash stops the run with the input in fuzz/artifacts/<target>/: fix it, then copy the
# input to fuzz/regressions/<target>/ (replayed by `cargo test`, tests/tests/fuzz_regressions.rs).
set -euo pipefail
cd "$(dirname "$0")"
runs=${1:-1000000}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo +nightly fuzz list)
cargo +nightly fuzz build -O
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target"
    start=$(date +%s.%N)
    cargo +nightly fuzz run -O "$target" "corpus/$target" -- \
        -runs="$runs" -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        2> "target/$target.log" || { tail -40 "target/$target.log"; exit 1; }
    end=$(date +%s.%N)
    printf '%-26s %9d runs  %7.1f s  %8.0f exec/s  corpus %d files\n' "$target" "$runs" \
        "$(echo "$end - $start" | bc)" "$(echo "$runs / ($end - $start)" | bc)" \
        "$(find "corpus/$target" -type f | wc -l)"
done
