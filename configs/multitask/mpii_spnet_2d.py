# Luvizon et al.'s SPNet as a 2D pose estimator on MPII Human Pose
# (single-person crops), scored by PCKh@0.5 per prediction block.
# Data: mmpose's MPII files,
#   data/mpii/images/*.jpg
#   data/mpii/annotations/mpii_{train,val}.json  (mmpose's json format)
#   data/mpii/annotations/mpii_gt_val.mat         (the head boxes, PCKh)
# Published: the crop centred at objpos + (0, 15 x scale), 200 x 1.25 x
# scale pixels wide, resized to 256 x 256 (mmpose's MpiiDataset rule);
# rotation +-40 degrees in steps of 5, scale {0.7, 1, 1.3}, horizontal
# flip, per-channel power 0.9-1.1; RMSprop lr 1e-3, x0.2 at epochs 80 and
# 100 of 120, batch 24 (deephar's MPII training). SPNet here has the
# TPAMI pose baseline's 8 pyramids x 4 levels (24 prediction blocks).
# Reported: PCKh@0.5 89.1 (val, single crop; README of deephar).
_base_ = ['../_base_/default_runtime.py']

layout = 'mpii'
num_joints = 16
input_size = (256, 256)
data_root = 'data/mpii'

model = dict(
    type='MultitaskRecognizer',
    backbone=dict(type='SPNet', num_joints=num_joints, num_pyramids=8,
                  num_levels=4),
    # LoadImageFromFile gives BGR; the video configs' frames are RGB
    data_preprocessor=dict(type='ActionDataPreprocessor',
                           mean=[127.5] * 3, std=[127.5] * 3, to_rgb=True,
                           format_shape='NCHW'))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomCropJitter', rotation=40., rotation_step=5.,
         scales=(0.7, 1., 1.3), flip_ratio=0.5, input_size=input_size),
    dict(type='CropAffine', input_size=input_size, layout=layout),
    dict(type='ChannelPower', low=0.9, high=1.1),
    dict(type='PoseCoordTargets', layout=layout),
    dict(type='PackMultitaskInputs', task='pose')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='CropAffine', input_size=input_size, layout=layout),
    dict(type='PoseCoordTargets', layout=layout),
    dict(type='PackMultitaskInputs', task='pose')
]
train_dataloader = dict(
    batch_size=24,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='MpiiPoseDataset',
                 ann_file=f'{data_root}/annotations/mpii_train.json',
                 data_prefix=dict(img=f'{data_root}/images/'),
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=24,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='MpiiPoseDataset',
                 ann_file=f'{data_root}/annotations/mpii_val.json',
                 headbox_file=f'{data_root}/annotations/mpii_gt_val.mat',
                 data_prefix=dict(img=f'{data_root}/images/'),
                 pipeline=test_pipeline, test_mode=True))
test_dataloader = val_dataloader
val_evaluator = [dict(type='MultiBlockPCKh', thr=0.5)]
test_evaluator = val_evaluator

max_epochs = 120
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs,
                 val_begin=1, val_interval=10)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True,
         milestones=[80, 100], gamma=0.2)
]
# Keras' RMSprop defaults (rho 0.9, epsilon 1e-7), not PyTorch's
optim_wrapper = dict(
    optimizer=dict(type='RMSprop', lr=1e-3, alpha=0.9, eps=1e-7))
default_hooks = dict(checkpoint=dict(save_best='mpii/PCKh', rule='greater'))
auto_scale_lr = dict(enable=False, base_batch_size=24)
