# Limb heatmaps rendered on the model's device: keypoint-only pipelines
# (only keypoints travel through the DataLoader) ending in PackPoseClips, and
# HeatmapDataPreprocessor rendering the same volumes as GeneratePoseTarget.
# A device config inherits its CPU config plus this file, and puts these
# device_* values in place (the names differ from the CPU config's, so the
# two bases do not clash).
device_left_kp = [1, 3, 5, 7, 9, 11, 13, 15]
device_right_kp = [2, 4, 6, 8, 10, 12, 14, 16]
# mmactx.skeletons.COCO_POSEC3D_LIMBS and its left/right limb pairs
device_skeletons = [[0, 5], [0, 6], [5, 7], [7, 9], [6, 8], [8, 10], [5, 11],
                    [11, 13], [13, 15], [6, 12], [12, 14], [14, 16], [0, 1],
                    [0, 2], [1, 3], [2, 4], [11, 12]]
device_renderer = dict(sigma=0.6, use_score=True, with_kp=False,
                       with_limb=True, skeletons=device_skeletons,
                       left_kp=device_left_kp, right_kp=device_right_kp,
                       left_limb=[0, 2, 3, 6, 7, 8, 12, 14],
                       right_limb=[1, 4, 5, 9, 10, 11, 13, 15])

device_train_pipeline = [
    dict(type='UniformSampleFrames', clip_len=48),
    dict(type='PoseDecode'),
    dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(-1, 64)),
    dict(type='RandomResizedCrop', area_range=(0.56, 1.0)),
    dict(type='Resize', scale=(56, 56), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5, left_kp=device_left_kp,
         right_kp=device_right_kp),
    dict(type='PackPoseClips')
]
device_val_pipeline = [
    dict(type='UniformSampleFrames', clip_len=48, num_clips=1, test_mode=True),
    dict(type='PoseDecode'),
    dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(-1, 64)),
    dict(type='CenterCrop', crop_size=64),
    dict(type='PackPoseClips')
]
device_test_pipeline = [
    dict(type='UniformSampleFrames', clip_len=48, num_clips=10,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(-1, 64)),
    dict(type='CenterCrop', crop_size=64),
    dict(type='PackPoseClips', double=True)
]
# the 20 test views are rendered and run 4 at a time
device_model = dict(
    type='HeatmapRecognizer3D',
    data_preprocessor=dict(type='HeatmapDataPreprocessor',
                           renderer=device_renderer, defer_test=True),
    test_cfg=dict(max_testing_views=4))
