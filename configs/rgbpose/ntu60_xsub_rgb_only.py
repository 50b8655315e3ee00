# RGB-only stream of RGBPose-Conv3D, NTU RGB+D 60 X-Sub: the single-stream
# pretraining whose checkpoint initialises the RGB pathway of
# ntu60_xsub_rgbpose.py (tools/rgbpose_merge.py).
# As the authors do (pyskl and mmaction2 configs/.../rgbpose_conv3d/
# rgb_only.py), it is a separate Recognizer3D with a ResNet3dSlowOnly-R50
# backbone and an I3DHead, not RGBPoseConv3D with one pathway: its
# backbone keys match RGBPoseConv3D's rgb_path, its fc_cls the head's fc_rgb.
# Published top-1 (1-clip / 10-clip): 94.4 / 95.1 (pyskl), 94.9 / 95.4
# (mmaction2); late fusion 1:1 with pose_only: 95.8 / 96.1 (pyskl),
# 96.0 / 96.2 (mmaction2).
# Pipelines, batch, optimizer and schedule: mmaction2 1.2.0
# configs/skeleton/posec3d/rgbpose_conv3d/rgb_only.py (= pyskl's).
_base_ = ['../_base_/default_runtime.py']

model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='ResNet3dSlowOnly',
        depth=50,
        pretrained=None,
        conv1_kernel=(1, 7, 7),
        inflate=(0, 0, 1, 1)),
    cls_head=dict(
        type='I3DHead',
        in_channels=2048,
        num_classes=60,
        dropout_ratio=0.5,
        average_clips='prob'),
    # ImageNet mean / std (pyskl's img_norm_cfg)
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCTHW'))

dataset_type = 'PoseDataset'
# the skeletons are read for MMCompact's crop around the subjects
ann_file = 'data/skeleton/ntu60_2d.pkl'
data_root = 'data/nturgbd_videos/'
num_keypoints = 17
num_classes = 60
clip_len = dict(RGB=8)  # 8 frames

train_pipeline = [
    dict(type='MMUniformSampleFrames', clip_len=clip_len, num_clips=1),
    dict(type='MMDecode'),
    dict(type='MMCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(256, 256), keep_ratio=False),
    dict(type='RandomResizedCrop', area_range=(0.56, 1.0)),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(type='MMUniformSampleFrames', clip_len=clip_len, num_clips=1,
         test_mode=True),
    dict(type='MMDecode'),
    dict(type='MMCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
# 10 clips, probabilities averaged
test_pipeline = [
    dict(type='MMUniformSampleFrames', clip_len=clip_len, num_clips=10,
         test_mode=True),
    dict(type='MMDecode'),
    dict(type='MMCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]

# 12 videos/GPU x 8 GPUs; 18 epochs x RepeatDataset 10 (the READMEs' "180
# epochs")
train_dataloader = dict(
    batch_size=12,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='RepeatDataset',
        times=10,
        dataset=dict(type=dataset_type, ann_file=ann_file,
                     data_prefix=dict(video=data_root), split='xsub_train',
                     num_classes=num_classes, num_keypoints=num_keypoints,
                     pipeline=train_pipeline)))
val_dataloader = dict(
    batch_size=12,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file=ann_file,
                 data_prefix=dict(video=data_root), split='xsub_val',
                 num_classes=num_classes, num_keypoints=num_keypoints,
                 pipeline=val_pipeline, test_mode=True))
test_dataloader = dict(
    batch_size=1,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file=ann_file,
                 data_prefix=dict(video=data_root), split='xsub_val',
                 num_classes=num_classes, num_keypoints=num_keypoints,
                 pipeline=test_pipeline, test_mode=True))

val_evaluator = [dict(type='AccMetric')]
test_evaluator = val_evaluator

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=18, val_begin=1,
                 val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

# lr 0.15 for 8 GPUs x 12 videos, cosine to 0 per iteration;
# --auto-scale-lr scales it to your batch
param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min=0, T_max=18, by_epoch=True,
         convert_to_iter_based=True)
]
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.15, momentum=0.9, weight_decay=0.0001),
    clip_grad=dict(max_norm=40, norm_type=2))
auto_scale_lr = dict(enable=False, base_batch_size=96)
