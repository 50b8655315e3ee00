# EPP-Net's CTR-GCN pose streams on NTU RGB+D 3D skeletons (the output of
# tools/data/convert_ntu.py). One pipeline per stream, as EPP-Net's feeder:
# crop 50-100% of the valid frames (test: the central 95%), resize to 64
# frames, rotate by up to 0.3 rad about each axis (train), then the stream's
# feature. Schedule: SGD (Nesterov) lr 0.1, weight decay 4e-4, linear warm-up
# over 5 epochs, x0.1 at epochs 35 and 55, 65 epochs, batch 64 (4 processes
# x 16; --auto-scale-lr for other totals).
_base_ = [
    '../../_base_/default_runtime.py', '../../_base_/models/ctrgcn.py'
]

layout = 'nturgb+d'
window = 64
streams = dict(joint=['j'], bone=['b'], joint_motion=['jm'],
               bone_motion=['bm'])
train_pipelines = {
    stream: [
        dict(type='ValidCropResize', window=window, p_interval=(0.5, 1.0)),
        dict(type='RandomRotation3D', theta=0.3),
        dict(type='SkeletonFeatures', layout=layout, feats=feats),
        dict(type='FormatGCNInput', num_person=2),
        dict(type='PackActionInputs')
    ]
    for stream, feats in streams.items()
}
test_pipelines = {
    stream: [
        dict(type='ValidCropResize', window=window, p_interval=(0.95, )),
        dict(type='SkeletonFeatures', layout=layout, feats=feats),
        dict(type='FormatGCNInput', num_person=2),
        dict(type='PackActionInputs')
    ]
    for stream, feats in streams.items()
}

dataset_type = 'PoseDataset'
# the layout's joints: a record with another count is refused on reading
num_keypoints = 25
ann_file = 'data/skeleton/ntu60_3d.pkl'
train_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, ann_file=ann_file, split='xsub_train',
                 num_keypoints=num_keypoints,
                 pipeline=train_pipelines['joint']))
val_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file=ann_file, split='xsub_val',
                 num_keypoints=num_keypoints,
                 pipeline=test_pipelines['joint'], test_mode=True))
test_dataloader = val_dataloader

val_evaluator = [dict(type='AccMetric')]
test_evaluator = val_evaluator

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=65, val_begin=1,
                 val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

# warm-up lr * (epoch + 1) / 5 in epochs 0-4 (mmengine's LinearLR reaches
# end_factor at epoch end - 1)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.2, end_factor=1.0, begin=0, end=5,
         by_epoch=True),
    dict(type='MultiStepLR', milestones=[35, 55], gamma=0.1, by_epoch=True)
]
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, nesterov=True,
                   weight_decay=0.0004))
auto_scale_lr = dict(enable=False, base_batch_size=64)
