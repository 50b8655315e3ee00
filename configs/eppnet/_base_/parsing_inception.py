# EPP-Net's parsing branch: Inception-v3 on parsing feature maps (nine
# human-parsing label maps of a clip, coloured and tiled 3x3 into 480x480,
# resized to 299). The label maps of sample <frame_dir> are the PNGs in
# <parsing_root>/<frame_dir>/ (see mmactx.datasets.parsing).
# Trained from scratch here (no weights can be downloaded). EPP-Net starts
# from ImageNet: with a torchvision Inception-v3 checkpoint file on disk
# (e.g. inception_v3_google-0cc3c7bd.pth, a plain state dict; InceptionV3
# has torchvision's names, and the file's fc.* / AuxLogits.* classifier
# keys are skipped with a log line), load it into the backbone and turn on
# torchvision's input transform, which those weights expect:
#   python tools/train.py CONFIG --cfg-options \
#     model.backbone.transform_input=True \
#     model.backbone.init_cfg.type=Pretrained \
#     model.backbone.init_cfg.checkpoint=/path/to/inception_v3.pth
# or, in a config that inherits this one:
#   model = dict(backbone=dict(transform_input=True, init_cfg=dict(
#       type='Pretrained', checkpoint='/path/to/inception_v3.pth')))
# The file is read weights-only. load_from does not fit: it expects the
# whole recogniser's names (backbone.*, cls_head.*).
# Schedule: SGD (Nesterov) lr 0.03, weight decay 1e-4, x0.1 at epochs 10,
# 20, 30 and 40, 45 epochs, batch 64 (4 processes x 16).
_base_ = ['../../_base_/default_runtime.py']

model = dict(
    type='Recognizer2D',
    # transform_input=True with ImageNet weights (see the top)
    backbone=dict(type='InceptionV3', transform_input=False),
    cls_head=dict(
        type='TSNHead',
        num_classes=60,
        in_channels=2048,
        spatial_type='avg',
        consensus=dict(type='AvgConsensus', dim=1),
        dropout_ratio=0.5,
        init_std=0.01,
        # EPP-Net fuses raw logits
        average_clips='score'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCHW'))

train_pipeline = [
    dict(type='LoadParsingMaps', num_maps=9),
    dict(type='ParsingFeatureMap', tile=160, grid=3, flip_ratio=0.5,
         max_rotation=30),
    dict(type='ColorJitter', brightness=0.2, contrast=0.2, saturation=0.2,
         hue=0),
    dict(type='Resize', scale=(299, 299), keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='LoadParsingMaps', num_maps=9, test_mode=True),
    dict(type='ParsingFeatureMap', tile=160, grid=3),
    dict(type='Resize', scale=(299, 299), keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]

dataset_type = 'ParsingDataset'
ann_file = 'data/skeleton/ntu60_3d.pkl'
parsing_root = 'data/parsing/ntu60'
train_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, ann_file=ann_file,
                 parsing_root=parsing_root, split='xsub_train',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file=ann_file,
                 parsing_root=parsing_root, split='xsub_val',
                 pipeline=test_pipeline, test_mode=True))
test_dataloader = val_dataloader

val_evaluator = [dict(type='AccMetric')]
test_evaluator = val_evaluator

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=45, val_begin=1,
                 val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [
    dict(type='MultiStepLR', milestones=[10, 20, 30, 40], gamma=0.1,
         by_epoch=True)
]
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.03, momentum=0.9, nesterov=True,
                   weight_decay=0.0001))
auto_scale_lr = dict(enable=False, base_batch_size=64)
