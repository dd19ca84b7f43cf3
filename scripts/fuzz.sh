#!/usr/bin/env bash
# The fuzz targets (Sources/TympanFuzz) under libFuzzer with AddressSanitizer
# and UndefinedBehaviorSanitizer (built by `make fuzz` into .build-fuzz).
#   scripts/fuzz.sh BINARY SECONDS TARGET...
# Each target runs SECONDS from its corpus (out/fuzz/corpus/TARGET, kept from
# run to run), its seeds (Tests/Fuzz/seeds/TARGET) and its saved crashers
# (Tests/Fuzz/regressions/TARGET). A crash, a broken invariant, a leak, a hang
# (-timeout) or memory past -rss_limit_mb stops it: the input is written to
# out/fuzz/crashes/TARGET/ and the script exits 1 once every target has run.
# FUZZ_SEED fixes libFuzzer's seed (CI: the same mutations every run).
# Save such an input under Tests/Fuzz/regressions/TARGET/ once fixed: `make test`
# replays every saved input (`tympan-fuzz TARGET DIR`).
set -uo pipefail
binary="$1"; seconds="$2"; shift 2
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${OUT:-$root/out}/fuzz"
status=0
printf '%-18s %12s %10s %8s  %s\n' target executions "per sec" corpus result
for target in "$@"; do
    corpus="$out/corpus/$target" crashes="$out/crashes/$target"
    mkdir -p "$corpus" "$crashes" "$root/Tests/Fuzz/regressions/$target"
    log="$out/$target.log"
    extra=()
    [ -n "${FUZZ_SEED:-}" ] && extra+=(-seed="$FUZZ_SEED")
    dictionary=()
    [ -f "$root/Tests/Fuzz/$target.dict" ] && dictionary=(-dict="$root/Tests/Fuzz/$target.dict")
    TYMPAN_FUZZ_TARGET="$target" ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1" \
        UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
        "$binary" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2560 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$crashes/" "${dictionary[@]}" "${extra[@]}" \
        "$corpus" "$root/Tests/Fuzz/seeds/$target" "$root/Tests/Fuzz/regressions/$target" > "$log" 2>&1
    rc=$?
    runs=$(awk '/stat::number_of_executed_units/{print $2}' "$log" | tail -1)
    rate=$(awk '/stat::average_exec_per_sec/{print $2}' "$log" | tail -1)
    size=$(find "$corpus" -type f | wc -l)
    if [ "$rc" -eq 0 ]; then result="clean"; else result="FAILED (exit $rc): see $log and $crashes/"; status=1; fi
    printf '%-18s %12s %10s %8s  %s\n' "$target" "${runs:-?}" "${rate:-?}" "$size" "$result"
done
exit $status
