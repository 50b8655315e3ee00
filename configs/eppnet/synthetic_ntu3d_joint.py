# A small CTR-GCN joint stream for the built-in synthetic 3D data (12
# procedural actions, NTU-25 Kinect joints): trains in a couple of minutes on
# 2 CPU cores. The synthetic joints are raw camera coordinates, so they are
# pre-normalised (centred on the spine, aligned to the spine and shoulders)
# as NTU data from tools/data/convert_ntu.py is centred; the label is person
# 0's action, so only person 0 is kept. Generate the data with
#   python tools/data/generate_synthetic.py data/synthetic/ntu3d.pkl \
#       --layout ntu3d
_base_ = ['_base_/ctrgcn_ntu.py']

ann_file = 'data/synthetic/ntu3d.pkl'
num_classes = 12
model = dict(
    backbone=dict(base_channels=16, num_person=1),
    cls_head=dict(
        num_classes=num_classes,
        in_channels=64,
        init_cfg=dict(type='Normal', layer='Linear', std=0.4082)))
train_pipeline = [
    dict(type='PreNormalize3D'),
    dict(type='ValidCropResize', window=32, p_interval=(0.5, 1.0)),
    dict(type='RandomRotation3D', theta=0.3),
    dict(type='SkeletonFeatures', layout='nturgb+d', feats=['j']),
    dict(type='FormatGCNInput', num_person=1),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='PreNormalize3D'),
    dict(type='ValidCropResize', window=32, p_interval=(0.95, )),
    dict(type='SkeletonFeatures', layout='nturgb+d', feats=['j']),
    dict(type='FormatGCNInput', num_person=1),
    dict(type='PackActionInputs')
]
train_dataloader = dict(
    num_workers=1,
    dataset=dict(ann_file=ann_file, split='train', num_classes=num_classes,
                 pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=1,
    dataset=dict(ann_file=ann_file, split='val', num_classes=num_classes,
                 pipeline=test_pipeline))
test_dataloader = val_dataloader

train_cfg = dict(max_epochs=4, val_interval=1)
param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min=0, T_max=4, by_epoch=True,
         convert_to_iter_based=True)
]
auto_scale_lr = dict(base_batch_size=16)
default_hooks = dict(logger=dict(interval=10))
randomness = dict(seed=0)
