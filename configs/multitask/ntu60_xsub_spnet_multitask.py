# Luvizon et al. (TPAMI'20) on NTU RGB+D 60 X-Sub: SPNet 3D pose estimation
# and action recognition in one model, trained on alternating batches of
# single frames with their joints (2D colour-camera pixels + Kinect depth)
# and of 8-frame clips with their action.
# Data: the colour videos (tools/data/compress_ntu_videos.py; the authors
# use 960x540) and the converter's 25-joint colour-camera skeletons with
# the joints' depth,
#   python tools/data/convert_ntu.py nturgb+d_skeletons --dataset ntu60 \
#       --layout-2d ntu --with-depth --out-dir data/skeleton_ntu25_depth
# Published (deephar's train_ntu_spnet.py): SPNet 2 pyramids x 4 levels
# with depth maps; crops from the ground-truth skeleton box x 1.5 at
# 256 x 256, scale {0.7, 1, 1.3}, shift x +-40 / y +-10 px; clips of 8
# frames after subsampling by 2, stride {3, 4, 5} (test 4, clips every 7,
# with and without a flip, probabilities multiplied); SGD Nesterov,
# momentum 0.9, lr 1e-3, x0.1 at epochs 58 and 70 of the joint stage that
# runs from epoch 20 to 90 (here epochs 38 and 50 of 70); action outputs
# weighted 0.1; a pose batch of 32 frames, an action batch of 4 clips.
# Differences: the 25 Kinect joints (the paper maps NTU to its 17-joint
# pa17j3d layout), and the CVPR'18 action head (both branches read the
# last prediction block) instead of TPAMI's per-level action path.
# Reported: X-Sub 85.5 (CVPR'18).
_base_ = ['../_base_/default_runtime.py']

num_classes = 60
layout = 'nturgb+d'
num_joints = 25
input_size = (256, 256)
clip_len = 8
depth_span = 2.0  # metres: the paper's root depth +- 1000 mm
root = 'spine_base'
ann_file = 'data/skeleton_ntu25_depth/ntu60_2d.pkl'
video_root = 'data/nturgb+d_videos'
splits = dict(train='xsub_train', val='xsub_val', test='xsub_val')
growth = 96  # levels of 288 / 384 / 480 / 576 channels

model = dict(
    type='MultitaskRecognizer',
    backbone=dict(type='SPNet', num_joints=num_joints, num_pyramids=2,
                  num_levels=4, with_depth=True, growth=growth),
    action_head=dict(
        type='MultitaskActionHead',
        num_classes=num_classes,
        pose_dim=3,
        feat_channels=3 * growth,  # the last block, at the finest level
        num_blocks=4,
        loss_weights=dict(pose=0.1, appearance=0.1, fused=0.1)),
    average_views='prob_product',
    data_preprocessor=dict(type='ActionDataPreprocessor',
                           mean=[127.5] * 3, std=[127.5] * 3,
                           format_shape='NCHW'))

crop = [
    dict(type='BoxFromKeypoints', scale=1.5),
]
pose_train_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=1),
    dict(type='ShareFrameInds'),
    dict(type='MMDecode'),
    *crop,
    dict(type='RandomCropJitter', scales=(0.7, 1., 1.3), shift=(40., 10.),
         flip_ratio=0.5, input_size=input_size),
    dict(type='CropAffine', input_size=input_size, layout=layout),
    dict(type='ChannelPower', low=0.9, high=1.1),
    dict(type='PoseCoordTargets', layout=layout, depth_span=depth_span,
         root=root),
    dict(type='PackMultitaskInputs', task='pose')
]
action_train_pipeline = [
    dict(type='StrideJitterSampleFrames', clip_len=clip_len,
         strides=(3, 4, 5), frame_step=2),
    dict(type='ShareFrameInds'),
    dict(type='MMDecode'),
    *crop,
    dict(type='RandomCropJitter', scales=(0.7, 1., 1.3), shift=(40., 10.),
         flip_ratio=0.5, input_size=input_size),
    dict(type='CropAffine', input_size=input_size, layout=layout),
    dict(type='ChannelPower', low=0.9, high=1.1),
    dict(type='PackMultitaskInputs', task='action')
]
action_test_pipeline = [
    dict(type='StrideJitterSampleFrames', clip_len=clip_len, frame_step=2,
         test_stride=4, test_start_step=7, test_mode=True),
    dict(type='ShareFrameInds'),
    dict(type='MMDecode'),
    *crop,
    dict(type='CropAffine', input_size=input_size, layout=layout),
    dict(type='AppendFlipViews', layout=layout),
    dict(type='PackMultitaskInputs', task='action')
]
dataset = dict(type='PoseDataset', ann_file=ann_file,
               data_prefix=dict(video=video_root), num_classes=num_classes)
train_dataloader = dict(
    batch_size=4,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    # a pose batch of 32 frames, then an action batch of 4 clips
    batch_sampler=dict(type='AlternatingBatchSampler', batch_sizes=[32, 4]),
    dataset=dict(
        type='ConcatDataset',
        datasets=[
            dict(dataset, split=splits['train'],
                 pipeline=pose_train_pipeline),
            dict(dataset, split=splits['train'],
                 pipeline=action_train_pipeline)
        ]))
val_dataloader = dict(
    batch_size=1,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(dataset, split=splits['val'], pipeline=action_test_pipeline,
                 test_mode=True))
test_dataloader = dict(val_dataloader, dataset=dict(
    val_dataloader['dataset'], split=splits['test']))
val_evaluator = [dict(type='AccMetric')]
test_evaluator = val_evaluator

max_epochs = 70
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs,
                 val_begin=1, val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True,
         milestones=[38, 50], gamma=0.1)
]
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=1e-3, momentum=0.9, nesterov=True))
default_hooks = dict(checkpoint=dict(save_best='acc/top1', rule='greater'))
# 4 processes x (32 frames | 4 clips)
auto_scale_lr = dict(enable=False, base_batch_size=16)
