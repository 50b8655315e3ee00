#!/usr/bin/env bash
# Set everything up on a fresh machine, then the main job on the built-in
# synthetic data: generate it, train the small PoseC3D, test it with --dump
# (10 clips x 2 flips) and print the accuracy.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install.sh
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
CONFIG=configs/posec3d/synthetic_joint.py
WORK=${WORK_DIR:-work_dirs/synthetic_joint}

python tools/data/generate_synthetic.py data/synthetic/coco2d.pkl \
    --label-map data/synthetic/label_map.txt
python tools/train.py "$CONFIG" --work-dir "$WORK" --seed 0
python tools/test.py "$CONFIG" "$(cat "$WORK/last_checkpoint")" \
    --work-dir "$WORK" --dump "$WORK/scores.pkl"
python tools/ensemble.py "$WORK/scores.pkl"
