#!/usr/bin/env bash
# Luvizon et al.'s multitask model on the built-in synthetic data: train
# SPNet's poses on single frames, then poses and actions together on
# alternating pose and action batches, test the actions (4 clips and
# their mirror images, probabilities multiplied; --dump), and run the demo
# on a validation video (2D pose, 3D inset, label track). Run
# tools/install.sh (or tools/quickstart.sh) first.
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
DATA=data/synthetic_multitask
WORK=${WORK_DIR:-work_dirs/synthetic_multitask}

python tools/data/generate_synthetic.py "$DATA/coco2d.pkl" --multitask \
    --videos "$DATA/videos" --label-map "$DATA/label_map.txt"
python tools/train.py configs/multitask/synthetic_spnet_pose.py \
    --work-dir "$WORK/pose" --seed 0
python tools/train.py configs/multitask/synthetic_multitask.py \
    --work-dir "$WORK/multitask" --seed 0 --partial-load \
    --cfg-options load_from="$(cat "$WORK/pose/last_checkpoint")"
checkpoint="$(cat "$WORK/multitask/last_checkpoint")"
python tools/test.py configs/multitask/synthetic_multitask.py "$checkpoint" \
    --work-dir "$WORK/multitask" --dump "$WORK/multitask/val.pkl"
python tools/ensemble.py "$WORK/multitask/val.pkl"
python demo/demo_multitask.py "$DATA/videos/syn_000240.mp4" \
    "$WORK/demo.mp4" --config configs/multitask/synthetic_multitask.py \
    --checkpoint "$checkpoint" --label-map "$DATA/label_map.txt"
