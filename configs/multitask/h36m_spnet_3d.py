# Luvizon et al.'s SPNet as a 3D pose estimator on Human3.6M, scored by
# root-centred MPJPE (mm) per prediction block.
# Data: mmpose's Human3.6M files,
#   data/h36m/images/S1/S1_Directions_1.54138969/*.jpg ...
#   data/h36m/annotation_body3d/fps50/h36m_{train,test}.npz
#   data/h36m/annotation_body3d/cameras.pkl
# The crop is mmpose's box (1.5 x the joints' box) at 256 x 256; z is the
# depth relative to the pelvis over the paper's 2 m span; at test the
# depth is read back with the ground-truth root depth and the 2D pose
# through the inverse pinhole projection (the paper's rule). Augmentation
# and optimiser: the MPII recipe (mpii_spnet_2d.py). The paper scores one
# test frame in 64; this config scores every frame of the test file.
# Published: MPJPE 55.1 mm (single crop; deephar's README), trained on
# MPII + Human3.6M together.
_base_ = ['mpii_spnet_2d.py']

layout = 'h36m'
num_joints = 17
input_size = (256, 256)
depth_span = 2.0  # metres: the root depth +- 1000 mm
data_root = 'data/h36m'

model = dict(
    backbone=dict(num_joints=num_joints, with_depth=True))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomCropJitter', rotation=40., rotation_step=5.,
         scales=(0.7, 1., 1.3), flip_ratio=0.5, input_size=input_size),
    dict(type='CropAffine', input_size=input_size, layout=layout),
    dict(type='ChannelPower', low=0.9, high=1.1),
    dict(type='PoseCoordTargets', layout=layout, depth_span=depth_span,
         root='pelvis'),
    dict(type='PackMultitaskInputs', task='pose')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='CropAffine', input_size=input_size, layout=layout),
    dict(type='PoseCoordTargets', layout=layout, depth_span=depth_span,
         root='pelvis'),
    dict(type='PackMultitaskInputs', task='pose')
]
dataset = dict(
    type='H36MPoseDataset',
    camera_param_file=f'{data_root}/annotation_body3d/cameras.pkl',
    data_prefix=dict(img=f'{data_root}/images/'))
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        ann_file=f'{data_root}/annotation_body3d/fps50/h36m_train.npz',
        pipeline=train_pipeline,
        **dataset))
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        ann_file=f'{data_root}/annotation_body3d/fps50/h36m_test.npz',
        pipeline=test_pipeline,
        test_mode=True,
        **dataset))
test_dataloader = val_dataloader
val_evaluator = [dict(type='MultiBlockMPJPE', scale=1000)]  # m -> mm
test_evaluator = val_evaluator
default_hooks = dict(checkpoint=dict(save_best='h36m/MPJPE', rule='less'))
