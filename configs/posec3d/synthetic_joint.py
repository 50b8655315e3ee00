# A small PoseC3D for the built-in synthetic dataset (12 procedural actions,
# COCO-17 2D): trains in a few minutes on 2 CPU cores. Generate the data with
#   python tools/data/generate_synthetic.py data/synthetic/coco2d.pkl
# Tuned for a fixed CPU budget: 24x24 heatmaps (about half the compute of
# 32x32) buy 16 epochs of batch 8 in the time 8 epochs of batch 16 took at
# 32x32, and reach a much higher accuracy.
_base_ = ['_base_/posec3d_joint.py']

ann_file = 'data/synthetic/coco2d.pkl'
num_classes = 12
clip_len = 32
res = 24  # heatmap height and width
left_kp = [1, 3, 5, 7, 9, 11, 13, 15]
right_kp = [2, 4, 6, 8, 10, 12, 14, 16]
heatmap = dict(type='GeneratePoseTarget', sigma=0.6, use_score=True,
               with_kp=True, with_limb=False)

model = dict(
    backbone=dict(
        depth=18,
        base_channels=16,
        stage_blocks=(2, 2, 2)),
    # light dropout: the model is still underfitting after 16 epochs
    cls_head=dict(in_channels=64, num_classes=num_classes, dropout_ratio=0.2))

train_pipeline = [
    dict(type='UniformSampleFrames', clip_len=clip_len),
    dict(type='PoseDecode'),
    dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(-1, res * 5 // 4)),
    dict(type='RandomResizedCrop', area_range=(0.56, 1.0)),
    dict(type='Resize', scale=(res, res), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5, left_kp=left_kp, right_kp=right_kp),
    heatmap,
    dict(type='FormatShape', input_format='NCTHW_Heatmap'),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(type='UniformSampleFrames', clip_len=clip_len, num_clips=1,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(-1, res)),
    dict(type='CenterCrop', crop_size=res),
    heatmap,
    dict(type='FormatShape', input_format='NCTHW_Heatmap'),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='UniformSampleFrames', clip_len=clip_len, num_clips=10,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(-1, res)),
    dict(type='CenterCrop', crop_size=res),
    dict(heatmap, double=True, left_kp=left_kp, right_kp=right_kp),
    dict(type='FormatShape', input_format='NCTHW_Heatmap'),
    dict(type='PackActionInputs')
]

train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    dataset=dict(
        times=1,
        dataset=dict(ann_file=ann_file, split='train',
                     num_classes=num_classes, pipeline=train_pipeline)))
val_dataloader = dict(
    batch_size=16,
    num_workers=2,
    dataset=dict(ann_file=ann_file, split='val', num_classes=num_classes,
                 pipeline=val_pipeline))
test_dataloader = dict(
    num_workers=2,
    dataset=dict(ann_file=ann_file, split='val', num_classes=num_classes,
                 pipeline=test_pipeline))

max_epochs = 16
train_cfg = dict(max_epochs=max_epochs, val_interval=4)
# cosine decay to 0 after 1 epoch of linear warmup (the cosine stays first
# so that param_scheduler.0.T_max still sets the length of the decay)
param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min=0, T_max=max_epochs - 1,
         by_epoch=True, begin=1, end=max_epochs, convert_to_iter_based=True),
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True)
]
optim_wrapper = dict(optimizer=dict(lr=0.05))
auto_scale_lr = dict(base_batch_size=8)
default_hooks = dict(logger=dict(interval=10))
randomness = dict(seed=0)
