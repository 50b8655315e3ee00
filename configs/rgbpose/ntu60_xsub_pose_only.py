# Pose-only stream of RGBPose-Conv3D, NTU RGB+D 60 X-Sub: the single-stream
# pretraining whose checkpoint initialises the pose pathway of
# ntu60_xsub_rgbpose.py (tools/rgbpose_merge.py).
# As the authors do (pyskl and mmaction2 configs/.../rgbpose_conv3d/
# pose_only.py), it is a separate Recognizer3D: PoseC3D's SlowOnly of
# stages (4, 6, 3) with temporal_strides (1, 1, 1) (the pose pathway keeps
# all 32 frames, unlike the 48-frame PoseC3D of configs/posec3d) and an
# I3DHead; its backbone keys match RGBPoseConv3D's pose_path, its fc_cls
# the head's fc_pose. Its own pipeline is PoseC3D's (56^2 heatmaps drawn
# from the skeletons, sigma 0.6), not the RGB+pose one.
# Published top-1 (1-clip / 10-clip): 92.9 / 93.2 (pyskl), 93.1 / 93.5
# (mmaction2).
# Pipelines, batch, optimizer and schedule: mmaction2 1.2.0
# configs/skeleton/posec3d/rgbpose_conv3d/pose_only.py (= pyskl's, whose
# test pipeline has 1 clip; the READMEs report 10-clip results, as here).
_base_ = [
    '../_base_/default_runtime.py', '../_base_/models/slowonly_r50_pose.py'
]

model = dict(backbone=dict(temporal_strides=(1, 1, 1)))

dataset_type = 'PoseDataset'
ann_file = 'data/skeleton/ntu60_2d.pkl'
num_keypoints = 17
num_classes = 60
# COCO-17 left/right joints (mmactx.skeletons.COCO.left / .right)
left_kp = [1, 3, 5, 7, 9, 11, 13, 15]
right_kp = [2, 4, 6, 8, 10, 12, 14, 16]
heatmap = dict(type='GeneratePoseTarget', with_kp=True, with_limb=False)

train_pipeline = [
    dict(type='UniformSampleFrames', clip_len=32),
    dict(type='PoseDecode'),
    dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='RandomResizedCrop', area_range=(0.56, 1.0)),
    dict(type='Resize', scale=(56, 56), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5, left_kp=left_kp, right_kp=right_kp),
    heatmap,
    dict(type='FormatShape', input_format='NCTHW_Heatmap'),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(type='UniformSampleFrames', clip_len=32, num_clips=1,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    heatmap,
    dict(type='FormatShape', input_format='NCTHW_Heatmap'),
    dict(type='PackActionInputs')
]
# 10 clips, probabilities averaged (no flipped copy, as published)
test_pipeline = [
    dict(type='UniformSampleFrames', clip_len=32, num_clips=10,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(heatmap, left_kp=left_kp, right_kp=right_kp),
    dict(type='FormatShape', input_format='NCTHW_Heatmap'),
    dict(type='PackActionInputs')
]

# 16 videos/GPU x 8 GPUs; 18 epochs x RepeatDataset 10 ("180 epochs")
train_dataloader = dict(
    batch_size=16,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='RepeatDataset',
        times=10,
        dataset=dict(type=dataset_type, ann_file=ann_file,
                     split='xsub_train', num_classes=num_classes,
                     num_keypoints=num_keypoints,
                     pipeline=train_pipeline)))
val_dataloader = dict(
    batch_size=16,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file=ann_file, split='xsub_val',
                 num_classes=num_classes, num_keypoints=num_keypoints,
                 pipeline=val_pipeline, test_mode=True))
test_dataloader = dict(
    batch_size=1,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file=ann_file, split='xsub_val',
                 num_classes=num_classes, num_keypoints=num_keypoints,
                 pipeline=test_pipeline, test_mode=True))

val_evaluator = [dict(type='AccMetric')]
test_evaluator = val_evaluator

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=18, val_begin=1,
                 val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

# lr 0.2 for 8 GPUs x 16 videos, cosine to 0 per iteration;
# --auto-scale-lr scales it to your batch
param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min=0, T_max=18, by_epoch=True,
         convert_to_iter_based=True)
]
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.2, momentum=0.9, weight_decay=0.0003),
    clip_grad=dict(max_norm=40, norm_type=2))
auto_scale_lr = dict(enable=False, base_batch_size=128)
