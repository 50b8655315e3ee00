# Mimetics50 (mimed actions, no objects; test only) with the Kinetics50
# model of kinetics50_pose_only.py: test.py CONFIG KINETICS50_CHECKPOINT.
# Data: the authors' per-video pose files and the videos,
#   python tools/data/convert_mimetics.py mimetics/pose_results \
#       --videos data/mimetics/videos --classes mimetics50.txt \
#       --out data/mimetics/mimetics50.pkl
# (joint score = keypoint score x person score; Kinetics50's label order).
_base_ = ['kinetics50_pose_only.py']

test_dataloader = dict(
    dataset=dict(ann_file='data/mimetics/mimetics50.pkl', split='test',
                 data_prefix=dict(video='data/mimetics/videos')))
