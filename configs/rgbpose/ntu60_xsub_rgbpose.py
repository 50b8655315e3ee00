# RGBPose-Conv3D, NTU RGB+D 60 X-Sub: RGB frames + COCO-17 heatmaps,
# early fusion (lateral connections) + late fusion (one score per stream).
# Published top-1 (1-clip / 10-clip), RGB / pose / 1:1 fused:
#   pyskl     96.2/96.4, 95.9/96.1, 96.6/96.9
#   mmaction2 96.2/96.4, 96.0/96.2, 96.6/96.8
# (pyskl and mmaction2 configs/.../rgbpose_conv3d/README.md).
# Pipelines, batch, optimizer and schedule: mmaction2 1.2.0
# configs/skeleton/posec3d/rgbpose_conv3d/rgbpose_conv3d.py (= pyskl's).
#
# Training starts from the merged single-stream checkpoints:
#   python tools/rgbpose_merge.py RGB.pth POSE.pth --out rgbpose_init.pth
#   bash tools/dist_train.sh configs/rgbpose/ntu60_xsub_rgbpose.py 4 \
#       --cfg-options load_from=rgbpose_init.pth
# where RGB.pth / POSE.pth are checkpoints of ntu60_xsub_rgb_only.py /
# ntu60_xsub_pose_only.py.
_base_ = ['../_base_/default_runtime.py', '_base_/rgbpose_conv3d.py']

dataset_type = 'PoseDataset'
# tools/data/convert_ntu.py's 2D skeletons: COCO-17 in colour-camera
# pixels (1920x1080), i.e. in the frames of the RGB videos
ann_file = 'data/skeleton/ntu60_2d.pkl'
# tools/data/compress_ntu_videos.py's output: <frame_dir>.mp4, short side
# 540 (the keypoints are rescaled to the decoded frames)
data_root = 'data/nturgbd_videos/'
num_keypoints = 17
num_classes = 60
# COCO-17 left/right joints (mmactx.skeletons.COCO.left / .right)
left_kp = [1, 3, 5, 7, 9, 11, 13, 15]
right_kp = [2, 4, 6, 8, 10, 12, 14, 16]
# 8 RGB frames and 32 pose frames from the same uniform segments
clip_len = dict(RGB=8, Pose=32)
# heatmaps at a quarter of the frame size (224 -> 56), sigma 0.7
heatmap = dict(type='GeneratePoseTarget', sigma=0.7, use_score=True,
               with_kp=True, with_limb=False, scaling=0.25)
pack = dict(type='PackActionInputs', collect_keys=('imgs', 'heatmap_imgs'))
# Late fusion: the 1:1 sum of the two streams' probabilities is the
# published result (both READMEs). AccMetric reports it as
# acc/RGBPose_1:1_top1 (and 2:1, 1:2); tools/ensemble.py takes the same
# weights: ensemble.py rgbpose.pkl:rgb rgbpose.pkl:pose --weights 1 1
fusion_weights = dict(rgb=1., pose=1.)

train_pipeline = [
    dict(type='MMUniformSampleFrames', clip_len=clip_len, num_clips=1),
    dict(type='MMDecode'),
    dict(type='MMCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(256, 256), keep_ratio=False),
    dict(type='RandomResizedCrop', area_range=(0.56, 1.0)),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5, left_kp=left_kp, right_kp=right_kp),
    heatmap,
    dict(type='FormatShape', input_format='NCTHW'),
    pack
]
# val / test: the whole 256^2 frame (64^2 heatmaps), no crop, as published
val_pipeline = [
    dict(type='MMUniformSampleFrames', clip_len=clip_len, num_clips=1,
         test_mode=True),
    dict(type='MMDecode'),
    dict(type='MMCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(256, 256), keep_ratio=False),
    heatmap,
    dict(type='FormatShape', input_format='NCTHW'),
    pack
]
# 10 clips, probabilities averaged per stream
test_pipeline = [
    dict(type='MMUniformSampleFrames', clip_len=clip_len, num_clips=10,
         test_mode=True),
    dict(type='MMDecode'),
    dict(type='MMCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(256, 256), keep_ratio=False),
    heatmap,
    dict(type='FormatShape', input_format='NCTHW'),
    pack
]

# 6 videos/GPU x 8 GPUs; 20 epochs, no RepeatDataset
train_dataloader = dict(
    batch_size=6,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, ann_file=ann_file,
                 data_prefix=dict(video=data_root), split='xsub_train',
                 num_classes=num_classes, num_keypoints=num_keypoints,
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
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

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=20, val_begin=1,
                 val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

# lr 0.0075 for 8 GPUs x 6 videos, x0.1 at epochs 12 and 16;
# --auto-scale-lr scales it to your batch
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.0075, momentum=0.9, weight_decay=0.0001),
    clip_grad=dict(max_norm=40, norm_type=2))
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=20, by_epoch=True,
         milestones=[12, 16], gamma=0.1)
]
auto_scale_lr = dict(enable=False, base_batch_size=48)

# the best checkpoint is that of the best 1:1 fusion (pyskl's
# key_indicator 'RGBPose_1:1_top1_acc')
default_hooks = dict(
    checkpoint=dict(save_best='acc/RGBPose_1:1_top1', rule='greater'))
# the published initialisation, rgbpose_conv3d_init.pth, cannot be
# downloaded here: make it with tools/rgbpose_merge.py (see the top)
load_from = None
