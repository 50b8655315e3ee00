"""A metric that sees only the samples of one task, for evaluating a
multitask model on a dataset of pose and action batches."""
from typing import Any, Dict, Optional, Sequence

from mmengine.evaluator import BaseMetric
from mmengine.structures import BaseDataElement

from mmactx.registry import METRICS


def sample_task(sample: Any) -> Optional[str]:
    """The ``task`` metainfo of a data sample (a data element or the dict
    mmengine's ``Evaluator`` makes of it), None where it has none."""
    if isinstance(sample, BaseDataElement):
        return sample.metainfo.get('task')
    return sample.get('task')


@METRICS.register_module()
class TaskMetric(BaseMetric):
    """Pass ``metric`` only the data samples whose metainfo ``task`` is
    ``task``: e.g. ``AccMetric`` on the action batches and a pose metric on
    the pose batches of one validation set
    (:class:`~mmactx.datasets.AlternatingBatchSampler` keeps each batch to
    one task).

    Args:
        task (str): ``'pose'`` or ``'action'``.
        metric (dict): The metric's config.
        collect_device (str): Unused (``metric`` collects its own results);
            kept for ``BaseMetric``'s signature.
        prefix (str, optional): Unused likewise; set ``metric``'s.
    """

    def __init__(self,
                 task: str,
                 metric: Dict,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.task = task
        self.metric = METRICS.build(metric)

    @property
    def dataset_meta(self) -> Optional[dict]:
        return self.metric.dataset_meta

    @dataset_meta.setter
    def dataset_meta(self, meta: dict) -> None:
        self.metric.dataset_meta = meta

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Hand ``metric`` the samples of ``task`` (batches that hold none
        are skipped; the data batch goes along as it is)."""
        kept = [s for s in data_samples if sample_task(s) == self.task]
        if kept:
            self.metric.process(data_batch, kept)

    def compute_metrics(self, results: list) -> dict:
        return self.metric.compute_metrics(results)

    def evaluate(self, size: int) -> dict:
        """``metric``'s evaluation. ``size`` (the whole dataset's) only caps
        the collected results, so it stays an upper bound for the samples
        of one task."""
        if not self.metric.results:
            raise ValueError(
                f'TaskMetric: no {self.task!r} samples reached '
                f'{type(self.metric).__name__}; the dataset has none, or '
                "its samples lack the 'task' metainfo")
        return self.metric.evaluate(size)
