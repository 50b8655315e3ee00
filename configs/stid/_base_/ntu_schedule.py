# STID's NTU schedule (the authors' train.py: StepLR(5, 0.5), replaced
# after epoch 5 by StepLR(1, 0.5) and after epoch 8 by StepLR(3, 0.5)):
# lr 1e-4 for epochs 1-5, halved at the start of epochs 6, 7 and 8, then
# every 3 epochs (11, 14, ...). The authors run up to 500 epochs and keep
# the epoch that is best on the test set; the lr is below 1e-9 after
# epoch 50, which is where this schedule stops. Milestones are 0-based.
max_epochs = 50
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs,
                 val_begin=1, val_interval=1)
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, begin=0, end=max_epochs,
         milestones=[5, 6, 7] + list(range(10, max_epochs, 3)), gamma=0.5)
]
