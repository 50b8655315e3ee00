# CTR-GCN on NW-UCLA cross-view (views 1, 2 train; view 3 test), bone,
# with CTR-GCN's published recipe (see _base_/ctrgcn_nwucla.py).
_base_ = ['_base_/ctrgcn_nwucla.py']

train_dataloader = dict(
    dataset=dict(
        dataset=dict(pipeline={{_base_.train_pipelines.bone}})))
val_dataloader = dict(
    dataset=dict(pipeline={{_base_.test_pipelines.bone}}))
test_dataloader = val_dataloader
