# EPP-Net pose stream: CTR-GCN on NTU RGB+D 120 X-Set, bone.
# Published top-1 (EPP-Net paper): CTR-GCN baseline 90.6; EPP-Net J+B+P
# 92.7, J+B+JM+BM+P 92.8. Fuse the five streams' test dumps with
#   python tools/ensemble.py J.pkl B.pkl JM.pkl BM.pkl P.pkl \
#       --weights 2 2 1 1 2
_base_ = ['_base_/ctrgcn_ntu.py']

ann_file = 'data/skeleton/ntu120_3d.pkl'
num_classes = 120
model = dict(
    cls_head=dict(
        num_classes=num_classes,
        init_cfg=dict(type='Normal', layer='Linear', std=0.1291)))
train_dataloader = dict(
    dataset=dict(
        ann_file=ann_file, split='xset_train', num_classes=num_classes,
        pipeline={{_base_.train_pipelines.bone}}))
val_dataloader = dict(
    dataset=dict(
        ann_file=ann_file, split='xset_val', num_classes=num_classes,
        pipeline={{_base_.test_pipelines.bone}}))
test_dataloader = val_dataloader
