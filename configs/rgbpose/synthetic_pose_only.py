# The pose-only stream of RGBPose-Conv3D on the built-in synthetic RGB + pose
# data (see synthetic_rgb_only.py for how to make it): PoseC3D heatmaps of
# the clips' COCO-17 detections, 32 frames of 24^2, into the pose pathway's
# SlowOnly at a quarter of its published width, on 2 CPU cores in minutes.
# The published recipe is ntu60_xsub_pose_only.py; what differs here:
# widths (base 8 channels, 2 blocks per stage), heatmaps of 24^2 instead of
# 56^2, batch, epochs and learning rate.
_base_ = ['ntu60_xsub_pose_only.py']

ann_file = 'data/synthetic_rgbpose/coco2d.pkl'
num_classes = 8
res = 24  # heatmap height and width
# COCO-17 left/right joints (mmactx.skeletons.COCO.left / .right)
left_kp = [1, 3, 5, 7, 9, 11, 13, 15]
right_kp = [2, 4, 6, 8, 10, 12, 14, 16]
heatmap = dict(type='GeneratePoseTarget', sigma=0.6, use_score=True,
               with_kp=True, with_limb=False)

model = dict(
    backbone=dict(base_channels=8, stage_blocks=(2, 2, 2)),
    cls_head=dict(in_channels=128, num_classes=num_classes,
                  dropout_ratio=0.2))

train_pipeline = [
    dict(type='UniformSampleFrames', clip_len=32),
    dict(type='PoseDecode'),
    dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(res * 8 // 7, res * 8 // 7), keep_ratio=False),
    dict(type='RandomResizedCrop', area_range=(0.56, 1.0)),
    dict(type='Resize', scale=(res, res), keep_ratio=False),
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
    dict(type='Resize', scale=(res, res), keep_ratio=False),
    heatmap,
    dict(type='FormatShape', input_format='NCTHW_Heatmap'),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='UniformSampleFrames', clip_len=32, num_clips=10,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(res, res), keep_ratio=False),
    heatmap,
    dict(type='FormatShape', input_format='NCTHW_Heatmap'),
    dict(type='PackActionInputs')
]
dataset = dict(ann_file=ann_file, num_classes=num_classes)
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=False,
    dataset=dict(times=1, dataset=dict(dataset, split='train',
                                       pipeline=train_pipeline)))
val_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=False,
    dataset=dict(dataset, split='val', pipeline=val_pipeline))
test_dataloader = dict(
    num_workers=2,
    persistent_workers=False,
    dataset=dict(dataset, split='val', pipeline=test_pipeline))

max_epochs = 12
train_cfg = dict(max_epochs=max_epochs, val_interval=4)
param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min=0, T_max=max_epochs,
         by_epoch=True, convert_to_iter_based=True)
]
optim_wrapper = dict(optimizer=dict(lr=0.05))
auto_scale_lr = dict(base_batch_size=8)
default_hooks = dict(logger=dict(interval=10))
randomness = dict(seed=0)
