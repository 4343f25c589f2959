#!/usr/bin/env bash
# One amisim shard per Slurm array task. Submit, then merge when all are done:
#
#   jobid=$(sbatch --parsable --array=0-$((SHARDS - 1)) tests/batch/slurm-array.sh)
#   sbatch --dependency=afterok:$jobid --wrap \
#     "amisim merge $SCENARIO $OUT/shard-* --out results/$(basename $SCENARIO .toml)"
#
# The shard index comes from SLURM_ARRAY_TASK_ID (minus SLURM_ARRAY_TASK_MIN),
# so the array may start at any number. $OUT must be on a shared filesystem.
#SBATCH --job-name=amisim-shard
#SBATCH --cpus-per-task=2
#SBATCH --mem=2G
#SBATCH --time=01:00:00
set -euo pipefail
AMISIM=${AMISIM:-amisim}
SCENARIO=${SCENARIO:-scenarios/enterprise-capacity.toml}
REPLICATIONS=${REPLICATIONS:-1000}
SHARDS=${SHARDS:-10}
SEED=${SEED:-30}
OUT=${OUT:-shards}
"$AMISIM" run "$SCENARIO" -n "$REPLICATIONS" -s "$SEED" -j "${SLURM_CPUS_PER_TASK:-0}" \
  --shard "env/$SHARDS" --quiet --out "$OUT/shard-$SLURM_ARRAY_TASK_ID"
