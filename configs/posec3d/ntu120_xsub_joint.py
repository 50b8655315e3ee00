# PoseC3D SlowOnly-R50, NTU RGB+D 120 XSub, joint heatmaps.
# Published top-1 (10-clip): 85.9 (pyskl).
_base_ = ['_base_/posec3d_joint.py']

ann_file = 'data/skeleton/ntu120_2d.pkl'
num_classes = 120
# pyskl's NTU120 X-Sub recipe: every epoch draws each training sample of
# classes 60-119 (the NTU120 additions) twice and the others once
# (mmactx.datasets.ClassBalancedSampler; training only). An epoch thus has
# about 1.5x the draws of the RepeatDataset alone, as in pyskl.
class_prob = [1] * 60 + [2] * 60
train_dataloader = dict(
    sampler=dict(type='ClassBalancedSampler', class_prob=class_prob,
                 shuffle=True),
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
