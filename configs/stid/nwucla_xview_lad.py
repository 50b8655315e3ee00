# STID, one descriptor, NW-UCLA cross-view: LAD (angles at joints between
# limbs).
_base_ = ['_base_/nwucla_xview.py']

pipeline = [
    dict(type='STIDDescriptors', descriptors=('lad', ),
         layout={{_base_.layout}}),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
train_dataloader = dict(dataset=dict(pipeline=pipeline))
val_dataloader = dict(dataset=dict(pipeline=pipeline))
test_dataloader = dict(dataset=dict(pipeline=pipeline))
