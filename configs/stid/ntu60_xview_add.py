# STID, one descriptor, NTU RGB+D 60 X-View: ADD (each joint's displacement
# between adjacent frames).
_base_ = ['_base_/ntu60_xview.py']

pipeline = [
    dict(type='STIDDescriptors', descriptors=('add', ),
         layout={{_base_.layout}}),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
train_dataloader = dict(dataset=dict(pipeline=pipeline))
val_dataloader = dict(dataset=dict(pipeline=pipeline))
test_dataloader = dict(dataset=dict(pipeline=pipeline))
