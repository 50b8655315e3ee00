# STID, one descriptor, NTU RGB+D 120 X-Sub: JDD (distances of joint pairs,
# normalised by the body size).
_base_ = ['_base_/ntu120_xsub.py']

pipeline = [
    dict(type='STIDDescriptors', descriptors=('jdd', ),
         layout={{_base_.layout}}),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
train_dataloader = dict(dataset=dict(pipeline=pipeline))
val_dataloader = dict(dataset=dict(pipeline=pipeline))
test_dataloader = dict(dataset=dict(pipeline=pipeline))
