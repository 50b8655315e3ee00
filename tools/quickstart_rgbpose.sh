#!/usr/bin/env bash
# RGBPose-Conv3D on the built-in synthetic RGB + pose data, as published:
# train the RGB-only and the pose-only streams, merge their checkpoints,
# fine-tune the two-stream model, test it (10 clips) with --dump and fuse
# its two streams' scores 1:1. Run tools/install.sh (or tools/quickstart.sh)
# first.
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
DATA=data/synthetic_rgbpose
WORK=${WORK_DIR:-work_dirs/synthetic_rgbpose}

python tools/data/generate_synthetic.py "$DATA/coco2d.pkl" \
    --videos "$DATA/videos" --label-map "$DATA/label_map.txt"
for stream in rgb_only pose_only; do
    python tools/train.py "configs/rgbpose/synthetic_$stream.py" \
        --work-dir "$WORK/$stream" --seed 0
    python tools/test.py "configs/rgbpose/synthetic_$stream.py" \
        "$(cat "$WORK/$stream/last_checkpoint")" --work-dir "$WORK/$stream" \
        --dump "$WORK/$stream/scores.pkl"
done
python tools/rgbpose_merge.py "$(cat "$WORK/rgb_only/last_checkpoint")" \
    "$(cat "$WORK/pose_only/last_checkpoint")" \
    --config configs/rgbpose/synthetic_rgbpose.py --out "$WORK/init.pth"
python tools/train.py configs/rgbpose/synthetic_rgbpose.py \
    --work-dir "$WORK/rgbpose" --seed 0 \
    --cfg-options load_from="$WORK/init.pth"
python tools/test.py configs/rgbpose/synthetic_rgbpose.py \
    "$(cat "$WORK/rgbpose/last_checkpoint")" --work-dir "$WORK/rgbpose" \
    --dump "$WORK/rgbpose/scores.pkl"
echo "RGB only, pose only, and RGBPose-Conv3D's two streams fused 1:1:"
python tools/ensemble.py "$WORK/rgb_only/scores.pkl"
python tools/ensemble.py "$WORK/pose_only/scores.pkl"
python tools/ensemble.py "$WORK/rgbpose/scores.pkl:rgb" \
    "$WORK/rgbpose/scores.pkl:pose" --weights 1 1
