# PoseC3D SlowOnly-R50, NTU RGB+D 120 XSub, joint heatmaps.
# Published top-1 (10-clip): 85.9 (pyskl).
_base_ = ['_base_/posec3d_joint.py']

ann_file = 'data/skeleton/ntu120_2d.pkl'
num_classes = 120
train_dataloader = dict(
    dataset=dict(
        dataset=dict(
            ann_file=ann_file, split='xsub_train',
            num_classes=num_classes)))
val_dataloader = dict(
    dataset=dict(
        ann_file=ann_file, split='xsub_val', num_classes=num_classes))
test_dataloader = dict(
    dataset=dict(
        ann_file=ann_file, split='xsub_val', num_classes=num_classes))
model = dict(cls_head=dict(num_classes=num_classes))
