# The RGB-only stream of RGBPose-Conv3D on the built-in synthetic RGB + pose
# data (8 classes: 4 motions x 2 held objects, 120x160 videos): a small
# ResNet3dSlowOnly that trains on 2 CPU cores in minutes. Make the data with
#   python tools/data/generate_synthetic.py data/synthetic_rgbpose/coco2d.pkl \
#       --videos data/synthetic_rgbpose/videos \
#       --label-map data/synthetic_rgbpose/label_map.txt
# The published recipe is ntu60_xsub_rgb_only.py; what differs here: widths
# (base 16 channels, one block per stage), frames of 96^2 instead of 224^2,
# batch, epochs and learning rate.
_base_ = ['ntu60_xsub_rgb_only.py']

ann_file = 'data/synthetic_rgbpose/coco2d.pkl'
data_root = 'data/synthetic_rgbpose/videos/'
num_classes = 8
clip_len = dict(RGB=8)
res = 96  # RGB frames res x res (the pose stream's heatmaps: res / 4)

model = dict(
    backbone=dict(base_channels=16, stage_blocks=(1, 1, 1, 1)),
    cls_head=dict(in_channels=512, num_classes=num_classes,
                  dropout_ratio=0.2))

train_pipeline = [
    dict(type='MMUniformSampleFrames', clip_len=clip_len, num_clips=1),
    dict(type='MMDecode'),
    dict(type='MMCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(res * 8 // 7, res * 8 // 7), keep_ratio=False),
    dict(type='RandomResizedCrop', area_range=(0.56, 1.0)),
    dict(type='Resize', scale=(res, res), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(type='MMUniformSampleFrames', clip_len=clip_len, num_clips=1,
         test_mode=True),
    dict(type='MMDecode'),
    dict(type='MMCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(res, res), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='MMUniformSampleFrames', clip_len=clip_len, num_clips=10,
         test_mode=True),
    dict(type='MMDecode'),
    dict(type='MMCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(res, res), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
dataset = dict(ann_file=ann_file, data_prefix=dict(video=data_root),
               num_classes=num_classes)
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=False,
    dataset=dict(times=1, dataset=dict(dataset, split='train',
                                       pipeline=train_pipeline)))
val_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=False,
    dataset=dict(dataset, split='val', pipeline=val_pipeline))
test_dataloader = dict(
    num_workers=2,
    persistent_workers=False,
    dataset=dict(dataset, split='val', pipeline=test_pipeline))

max_epochs = 24
train_cfg = dict(max_epochs=max_epochs, val_interval=8)
param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min=0, T_max=max_epochs,
         by_epoch=True, convert_to_iter_based=True)
]
optim_wrapper = dict(optimizer=dict(lr=0.1))
auto_scale_lr = dict(base_batch_size=8)
default_hooks = dict(logger=dict(interval=10))
randomness = dict(seed=0)
