#!/usr/bin/env bash
# Set everything up on a fresh machine, then the main job on the built-in
# synthetic data: generate it, train the small PoseC3D, test it with --dump
# (10 clips x 2 flips), print the accuracy, and run the video demo.
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

# The video demo on a short video of four synthetic actions in a row: poses
# from its keypoint file, a label track from 60-frame sliding windows.
python demo/make_synthetic_video.py work_dirs/demo/synthetic_actions.mp4 \
    --poses work_dirs/demo/synthetic_actions_poses.npz
python demo/demo_skeleton.py work_dirs/demo/synthetic_actions.mp4 \
    work_dirs/demo/synthetic_actions_demo.mp4 \
    --checkpoint "$(cat "$WORK/last_checkpoint")" \
    --pose-backend precomputed \
    --poses work_dirs/demo/synthetic_actions_poses.npz --window 60 --stride 30
