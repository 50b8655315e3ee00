# EPP-Net parsing stream: Inception-v3 on NTU RGB+D 120 X-Set,
# parsing feature maps.
# From scratch; to start from torchvision ImageNet weights on disk see
# _base_/parsing_inception.py (init_cfg + transform_input=True).
_base_ = ['_base_/parsing_inception.py']

ann_file = 'data/skeleton/ntu120_3d.pkl'
parsing_root = 'data/parsing/ntu120'
num_classes = 120
model = dict(cls_head=dict(num_classes=num_classes))
train_dataloader = dict(
    dataset=dict(
        ann_file=ann_file, parsing_root=parsing_root, split='xset_train',
        num_classes=num_classes))
val_dataloader = dict(
    dataset=dict(
        ann_file=ann_file, parsing_root=parsing_root, split='xset_val',
        num_classes=num_classes))
test_dataloader = val_dataloader
