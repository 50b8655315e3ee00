# STID (spatio-temporal invariant descriptors): a skeleton sequence becomes
# descriptor images (rows = features, columns = frames, 112x112; see
# mmactx.datasets.transforms.STIDDescriptors) classified by a CNN. The
# single-descriptor model, the optimiser and the runtime; a dataset base
# adds the data and the schedule, a config the descriptor(s).
# Every number: ../shared/reference/eppnet_and_stid.md, section B3 (the
# authors' code, adjkamel/imdar).
_base_ = ['../../_base_/default_runtime.py']

# ResNet_c: 3x3 conv to 256 channels, 2 blocks at 512, 2 at 1024, each
# stage followed by 4x4 average pooling, a 1x1 convolution (here the
# head's linear layer) to the classes. base_channels is the width option
# (256 as published; e.g. 16 for CPU-sized runs, then in_channels = 64).
model = dict(
    type='Recognizer2D',
    backbone=dict(type='STIDResNet', base_channels=256),
    cls_head=dict(
        type='TSNHead',
        num_classes=60,
        in_channels=1024,
        dropout_ratio=0.,
        # soft targets: 0.8 for the true class, 0.1 for every other one
        loss_cls=dict(type='SoftTargetLoss', target=0.8, other=0.1),
        average_clips='prob'),
    # the images go in as raw 0-255 values: no mean / std
    data_preprocessor=dict(type='ActionDataPreprocessor',
                           format_shape='NCHW'))

# batch 32, Adam, lr 1e-4, no weight decay
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-4, weight_decay=0.))
auto_scale_lr = dict(enable=False, base_batch_size=32)
val_evaluator = [dict(type='AccMetric')]
test_evaluator = val_evaluator
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
