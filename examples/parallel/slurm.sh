#!/bin/sh
# slurm.sh - one array task of the sharded extraction: shard number
# $SLURM_ARRAY_TASK_ID of the lists `make` split into SHARD_DIR.
#   sbatch --array=0-3 slurm.sh out/shards
#   sbatch --dependency=afterok:JOBID --wrap 'make merge'
# mlv must be on PATH on the nodes; SPEC_OPTS as in the Makefile.
#SBATCH --job-name=mlv-spec
#SBATCH --cpus-per-task=1
#SBATCH --time=01:00:00
set -eu
dir=${1:?usage: slurm.sh SHARD_DIR}
: "${SLURM_ARRAY_TASK_ID:?not an array task (sbatch --array=...)}"
shard=$(printf '%s/shard-%03d' "$dir" "$SLURM_ARRAY_TASK_ID")
# shellcheck disable=SC2086 # SPEC_OPTS is a list of options
mlv-spec --list "$shard.tsv" ${SPEC_OPTS:---feature mel --n-mels 64 --scale db} \
	-j "${SLURM_CPUS_PER_TASK:-1}" -o "$shard.mlv"
