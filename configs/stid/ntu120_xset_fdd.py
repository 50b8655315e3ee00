# STID, one descriptor, NTU RGB+D 120 X-Set: FDD (the JDD, ADD and LAD images
# as R, G, B).
_base_ = ['_base_/ntu120_xset.py']

pipeline = [
    dict(type='STIDDescriptors', descriptors=('fdd', ),
         layout={{_base_.layout}}),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
train_dataloader = dict(dataset=dict(pipeline=pipeline))
val_dataloader = dict(dataset=dict(pipeline=pipeline))
test_dataloader = dict(dataset=dict(pipeline=pipeline))
