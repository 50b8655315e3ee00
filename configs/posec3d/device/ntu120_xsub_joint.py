# ntu120_xsub_joint.py with heatmaps rendered on the model's device (same
# volumes, keypoints through the DataLoader, test views in chunks of 4).
_base_ = ['../ntu120_xsub_joint.py', '_base_/device_joint.py']

train_dataloader = dict(
    dataset=dict(dataset=dict(pipeline={{_base_.device_train_pipeline}})))
val_dataloader = dict(dataset=dict(pipeline={{_base_.device_val_pipeline}}))
test_dataloader = dict(dataset=dict(pipeline={{_base_.device_test_pipeline}}))
model = {{_base_.device_model}}
