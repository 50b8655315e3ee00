# EPP-Net pose stream: CTR-GCN on NTU RGB+D 60 X-View, bone.
# Published top-1 (EPP-Net paper): CTR-GCN baseline 96.8; EPP-Net J+B+P
# 97.6, J+B+JM+BM+P 97.7. Fuse the five streams' test dumps with
#   python tools/ensemble.py J.pkl B.pkl JM.pkl BM.pkl P.pkl \
#       --weights 2 2 1 1 2
_base_ = ['_base_/ctrgcn_ntu.py']

ann_file = 'data/skeleton/ntu60_3d.pkl'
num_classes = 60
model = dict(
    cls_head=dict(
        num_classes=num_classes,
        init_cfg=dict(type='Normal', layer='Linear', std=0.1826)))
train_dataloader = dict(
    dataset=dict(
        ann_file=ann_file, split='xview_train', num_classes=num_classes,
        pipeline={{_base_.train_pipelines.bone}}))
val_dataloader = dict(
    dataset=dict(
        ann_file=ann_file, split='xview_val', num_classes=num_classes,
        pipeline={{_base_.test_pipelines.bone}}))
test_dataloader = val_dataloader
