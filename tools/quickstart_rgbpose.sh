#!/usr/bin/env bash
# RGBPose-Conv3D on the built-in synthetic RGB + pose data, as published:
# train the RGB-only and the pose-only streams, merge their checkpoints,
# fine-tune the two-stream model, test it (10 clips) with --dump and fuse
# its two streams' scores 1:1, then run the video demo with it. Run
# tools/install.sh (or tools/quickstart.sh) first.
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

# The video demo with the two-stream model: four clips of the dataset's
# classes in a row (persons in rooms holding a ball or a stick), RGB frames
# from the video, poses from its keypoint file, a label per 60-frame window.
python demo/make_synthetic_video.py work_dirs/demo/held_objects.mp4 \
    --poses work_dirs/demo/held_objects_poses.npz --held-objects
python demo/demo_skeleton.py work_dirs/demo/held_objects.mp4 \
    work_dirs/demo/held_objects_demo.mp4 \
    --config configs/rgbpose/synthetic_rgbpose.py \
    --checkpoint "$(cat "$WORK/rgbpose/last_checkpoint")" \
    --label-map "$DATA/label_map.txt" --pose-backend precomputed \
    --poses work_dirs/demo/held_objects_poses.npz --window 60 --stride 30
