# Stage 1 of the built-in synthetic recipe (see synthetic_multitask.py):
# SPNet alone, trained on single frames with their joints, as the paper
# trains its pose model before the multitask one. Pose batches are cheap,
# so it takes many more steps than the multitask stage in the same time.
#   python tools/train.py configs/multitask/synthetic_spnet_pose.py
#   python tools/train.py configs/multitask/synthetic_multitask.py \
#       --partial-load --cfg-options \
#       load_from=work_dirs/synthetic_spnet_pose/epoch_40.pth
_base_ = ['synthetic_multitask.py']

model = dict(action_head=None)
dataset = dict(type='PoseDataset', ann_file={{_base_.ann_file}},
               data_prefix=dict(video={{_base_.video_root}}),
               num_classes={{_base_.num_classes}})
train_dataloader = dict(
    batch_size=16,
    batch_sampler=None,
    dataset=dict(_delete_=True, split='train',
                 pipeline={{_base_.pose_train_pipeline}}, **dataset))
val_dataloader = dict(
    batch_sampler=None,
    dataset=dict(_delete_=True, split='val', test_mode=True,
                 pipeline={{_base_.pose_val_pipeline}}, **dataset))
val_evaluator = [dict(type='MultiBlockCoordError')]
test_dataloader = val_dataloader
test_evaluator = val_evaluator

max_epochs = 40
train_cfg = dict(max_epochs=max_epochs, val_interval=10)
param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min=0, T_max=max_epochs,
         by_epoch=True, convert_to_iter_based=True)
]
# pose batches only: lr 2e-3 (the multitask stage's 5e-4 is for
# fine-tuning)
optim_wrapper = dict(optimizer=dict(lr=2e-3))
default_hooks = dict(
    checkpoint=dict(interval=10, max_keep_ckpts=1, save_best='pose/error2d',
                    rule='less'))
