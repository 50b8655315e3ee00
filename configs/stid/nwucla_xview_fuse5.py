# STID's fusion network, NW-UCLA cross-view: one trunk shared by the five
# descriptor images (GD, FDD, JDD, ADD, LAD), eight heads (all five features;
# each feature, one layer shared; GD+FDD; JDD+ADD+LAD), trained on the sum of
# the eight soft-target losses from scratch. The prediction is the fused
# head's; the dump keeps every head's scores as streams.
_base_ = ['_base_/nwucla_xview.py']

descriptors = ('gd', 'fdd', 'jdd', 'add', 'lad')
pipeline = [
    dict(type='STIDDescriptors', descriptors=descriptors,
         layout={{_base_.layout}}),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
train_dataloader = dict(dataset=dict(pipeline=pipeline))
val_dataloader = dict(dataset=dict(pipeline=pipeline))
test_dataloader = dict(dataset=dict(pipeline=pipeline))
model = dict(
    cls_head=dict(
        _delete_=True,
        type='STIDFusionHead',
        num_classes={{_base_.num_classes}},
        in_channels=1024,
        descriptors=descriptors,
        groups=(('gd', 'fdd'), ('jdd', 'add', 'lad')),
        loss_cls=dict(type='SoftTargetLoss', target=0.8, other=0.1),
        average_clips='prob'))
default_hooks = dict(
    checkpoint=dict(save_best='acc/fused_top1', rule='greater'))
