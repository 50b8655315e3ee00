# PoseC3D SlowOnly-R50, NTU RGB+D 120 XSet, limb heatmaps.
# Published top-1 (10-clip): 89.7 (pyskl).
_base_ = ['_base_/posec3d_limb.py']

ann_file = 'data/skeleton/ntu120_2d.pkl'
num_classes = 120
train_dataloader = dict(
    dataset=dict(
        dataset=dict(
            ann_file=ann_file, split='xset_train',
            num_classes=num_classes)))
val_dataloader = dict(
    dataset=dict(
        ann_file=ann_file, split='xset_val', num_classes=num_classes))
test_dataloader = dict(
    dataset=dict(
        ann_file=ann_file, split='xset_val', num_classes=num_classes))
model = dict(cls_head=dict(num_classes=num_classes))
