# CTR-GCN on NW-UCLA cross-view (views 1, 2 train; view 3 test) as CTR-GCN
# publishes it (feeders/feeder_ucla.py and config/ucla/default.yaml of its
# repository), on the annotation file of tools/data/convert_nwucla.py: one
# person, 20 Kinect v1 joints, 10 classes. EPP-Net published no NW-UCLA
# setting. Each clip, in the feeder's order: centred on the spine of its
# first frame; rotated about y and x by random integer angles in [-60, 60]
# degrees and scaled by U(0.5, 1.5) (training only); min-max scaled to
# [-1, 1] per axis over all its frames and joints; 52 frames sampled
# (training: a sorted draw without replacement from 100 copies of every
# frame index; test: linspace(0, T - 1, 52) truncated); the stream's feature
# derived from these normalised joints. Schedule: batch 16 (last partial
# batch dropped), each epoch sees the train set 5 times, SGD (Nesterov)
# lr 0.1, weight decay 1e-4, linear warm-up over 5 epochs, x0.1 at epoch 50,
# 65 epochs.
_base_ = [
    '../../_base_/default_runtime.py', '../../_base_/models/ctrgcn.py'
]

layout = 'nw-ucla'
window = 52
streams = dict(joint=['j'], bone=['b'], joint_motion=['jm'],
               bone_motion=['bm'])
train_pipelines = {
    stream: [
        dict(type='CenterOnJoint', layout=layout, joint='spine'),
        dict(type='RandomViewTransform', max_angle=60,
             scale_range=(0.5, 1.5)),
        dict(type='MinMaxScale', value_range=(-1.0, 1.0)),
        dict(type='PoolSampleFrames', clip_len=window, copies=100),
        dict(type='PoseDecode'),
        dict(type='SkeletonFeatures', layout=layout, feats=feats),
        dict(type='FormatGCNInput', num_person=1),
        dict(type='PackActionInputs')
    ]
    for stream, feats in streams.items()
}
test_pipelines = {
    stream: [
        dict(type='CenterOnJoint', layout=layout, joint='spine'),
        dict(type='MinMaxScale', value_range=(-1.0, 1.0)),
        dict(type='PoolSampleFrames', clip_len=window, test_mode=True),
        dict(type='PoseDecode'),
        dict(type='SkeletonFeatures', layout=layout, feats=feats),
        dict(type='FormatGCNInput', num_person=1),
        dict(type='PackActionInputs')
    ]
    for stream, feats in streams.items()
}

dataset_type = 'PoseDataset'
ann_file = 'data/skeleton/nwucla_3d.pkl'
num_classes = 10
# NW-UCLA-20: a record with another joint count is refused on reading
num_keypoints = 20
model = dict(
    backbone=dict(layout=layout, num_person=1),
    cls_head=dict(
        num_classes=num_classes,
        # the published classifier init: N(0, sqrt(2 / num_classes))
        init_cfg=dict(type='Normal', layer='Linear', std=0.4472)))
train_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='RepeatDataset',
        times=5,
        dataset=dict(
            type=dataset_type,
            ann_file=ann_file,
            split='xview_train',
            num_classes=num_classes,
            num_keypoints=num_keypoints,
            pipeline=train_pipelines['joint'])))
val_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file,
        split='xview_val',
        num_classes=num_classes,
        num_keypoints=num_keypoints,
        pipeline=test_pipelines['joint'],
        test_mode=True))
test_dataloader = val_dataloader

val_evaluator = [dict(type='AccMetric')]
test_evaluator = val_evaluator

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=65, val_begin=1,
                 val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

# warm-up lr * (epoch + 1) / 5 in epochs 0-4 (mmengine's LinearLR reaches
# end_factor at epoch end - 1), then x0.1 from epoch 50
param_scheduler = [
    dict(type='LinearLR', start_factor=0.2, end_factor=1.0, begin=0, end=5,
         by_epoch=True),
    dict(type='MultiStepLR', milestones=[50], gamma=0.1, by_epoch=True)
]
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, nesterov=True,
                   weight_decay=0.0001))
auto_scale_lr = dict(enable=False, base_batch_size=16)
