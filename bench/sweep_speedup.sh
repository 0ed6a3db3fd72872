#!/usr/bin/env bash
# A 20-run chirp sweep (2 learning rates × 10 seeds, wave ensemble n=16) run
# by `dredge-studio sweep` on 2 jobs and on 1, alternated, REPEATS times each.
# Prints the medians and their ratio. Target: 2 jobs in at most 0.55× the time.
# usage: bench/sweep_speedup.sh [BUILD_DIR] [REPEATS] [EPOCHS]
set -euo pipefail
build=${1:-build} repeats=${2:-3} epochs=${3:-2000}
exe="$build/app/dredge-studio"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cat > "$scratch/sweep.json" <<JSON
{"format": "dredge-sweep", "version": 1, "name": "speedup",
 "base": {"data": {"kind": "chirp"}, "model": {"kind": "wave-ensemble", "waves": 16},
          "train": {"epochs": $epochs}},
 "axes": [{"setting": "lr", "values": [0.001, 0.003]}],
 "seeds": {"from": 0, "to": 9}}
JSON
seconds() { # wall seconds of one sweep on $1 jobs, into a fresh store
    local start end
    rm -f "$scratch"/runs.sqlite*
    start=$(date +%s.%N)
    "$exe" sweep "$scratch/sweep.json" --jobs "$1" --store "sqlite:$scratch/runs.sqlite" >/dev/null 2>&1
    end=$(date +%s.%N)
    echo "$end - $start" | bc -l
}
median() { sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
one=() two=()
for _ in $(seq "$repeats"); do
    one+=("$(seconds 1)")
    two+=("$(seconds 2)")
done
m1=$(printf '%s\n' "${one[@]}" | median)
m2=$(printf '%s\n' "${two[@]}" | median)
printf '20 chirp runs of %s epochs, %s rounds alternated (medians):\n' "$epochs" "$repeats"
printf '  one after another (--jobs 1)  %6.2f s   (%s)\n' "$m1" "${one[*]}"
printf '  two at once       (--jobs 2)  %6.2f s   (%s)\n' "$m2" "${two[*]}"
printf '  ratio %.3f   (target: at most 0.55)\n' "$(echo "$m2 / $m1" | bc -l)"
