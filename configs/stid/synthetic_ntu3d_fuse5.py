# STID's fusion network on the built-in synthetic 3D data (12 procedural
# actions, NTU-25 Kinect joints, one or two bodies), small enough to train on
# 2 CPU cores in minutes: the trunk at 1/16 of its published width (16
# channels, features of 64), a constant lr of 1e-3. Generate the data with
#   python tools/data/generate_synthetic.py data/synthetic/ntu3d.pkl \
#       --layout ntu3d
_base_ = ['ntu60_xsub_fuse5.py']

ann_file = 'data/synthetic/ntu3d.pkl'
num_classes = 12
model = dict(
    backbone=dict(base_channels=16),
    cls_head=dict(num_classes=num_classes, in_channels=64))
dataset = dict(ann_file=ann_file, num_classes=num_classes)
train_dataloader = dict(
    batch_size=32, num_workers=2, persistent_workers=False,
    dataset=dict(dataset, split='train'))
val_dataloader = dict(
    batch_size=32, num_workers=2, persistent_workers=False,
    dataset=dict(dataset, split='val'))
test_dataloader = val_dataloader

max_epochs = 10
train_cfg = dict(max_epochs=max_epochs, val_interval=5)
param_scheduler = []
optim_wrapper = dict(optimizer=dict(lr=1e-3))
default_hooks = dict(logger=dict(interval=5))
randomness = dict(seed=0)
