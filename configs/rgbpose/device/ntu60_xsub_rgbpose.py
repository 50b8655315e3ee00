# ntu60_xsub_rgbpose.py with the pose pathway's heatmaps rendered on the
# model's device: the pipelines carry RGB frames and keypoints (not
# heatmap volumes) through the DataLoader, PackPoseClips packs the
# keypoint clips as 'heatmap_imgs', and HeatmapDataPreprocessor renders the
# volumes GeneratePoseTarget would have drawn (sigma 0.7, a quarter of the
# frame size). Same model, same checkpoints.
_base_ = ['../ntu60_xsub_rgbpose.py']

renderer = dict(sigma=0.7, use_score=True, with_kp=True, with_limb=False,
                scaling=0.25)
pack = dict(type='PackPoseClips', collect_keys=('imgs', 'heatmap_imgs'))

train_pipeline = [
    dict(type='MMUniformSampleFrames', clip_len={{_base_.clip_len}},
         num_clips=1),
    dict(type='MMDecode'),
    dict(type='MMCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(256, 256), keep_ratio=False),
    dict(type='RandomResizedCrop', area_range=(0.56, 1.0)),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5, left_kp={{_base_.left_kp}},
         right_kp={{_base_.right_kp}}),
    dict(type='FormatShape', input_format='NCTHW'),
    pack
]
val_pipeline = [
    dict(type='MMUniformSampleFrames', clip_len={{_base_.clip_len}},
         num_clips=1, test_mode=True),
    dict(type='MMDecode'),
    dict(type='MMCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(256, 256), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    pack
]
test_pipeline = [
    dict(type='MMUniformSampleFrames', clip_len={{_base_.clip_len}},
         num_clips=10, test_mode=True),
    dict(type='MMDecode'),
    dict(type='MMCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(256, 256), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    pack
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
model = dict(
    data_preprocessor=dict(
        preprocessors=dict(
            heatmap_imgs=dict(_delete_=True, type='HeatmapDataPreprocessor',
                              renderer=renderer))))
