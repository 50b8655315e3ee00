"""Converting many raw files in parallel, resumably, with a skip report.

A converter is a function ``path -> {output name: record}`` that raises
:class:`SkipSample` for a file it cannot use. :class:`ResumableBatch` runs it
over all files in chunks on worker processes; each finished chunk is saved
at once (atomically) in a parts folder beside the output, so a killed run
restarted with the same command only converts the chunks it had not
finished. The caller merges the outcomes into the output files (written
atomically too) and then removes the parts.
"""
import hashlib
import json
import multiprocessing
import os
import os.path as osp
import shutil
import time
from collections import Counter
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from mmengine.utils import ProgressBar

from mmactx.utils.cli import InputError
from mmactx.utils.fileio import atomic_pickle_dump, atomic_write_text
from ..annotation_io import (AnnotationError, check_record, safe_load_pickle,
                             save_annotations)

Converter = Callable[[str], Dict[str, dict]]


class SkipSample(Exception):
    """A raw file that cannot be converted; it is skipped and reported.

    Args:
        reason (str): Short category counted in the summary, e.g.
            ``'truncated'``.
        detail (str): What exactly is wrong, with the line or field.
    """

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f'{reason}: {detail}')
        self.reason = reason
        self.detail = detail


def convert_one(convert: Converter, path: str) -> Dict:
    """Run ``convert`` on one file; never raises for a bad file.

    Returns:
        dict: ``file`` (base name), ``records`` ({output: record} or None)
        and ``skip`` (None or ``(reason, detail)``). An unexpected exception
        is reported as the reason ``'error'`` so that one odd file cannot
        stop a long run.
    """
    name = osp.basename(path)
    try:
        return dict(file=name, records=convert(path), skip=None)
    except SkipSample as e:
        return dict(file=name, records=None, skip=(e.reason, e.detail))
    except Exception as e:  # noqa: BLE001 - reported, the run goes on
        return dict(
            file=name, records=None,
            skip=('error', f'{type(e).__name__}: {e}'))


def _run_chunk(task: Tuple[Converter, Sequence[str], str]) -> int:
    convert, paths, part = task
    atomic_pickle_dump([convert_one(convert, p) for p in paths], part)
    return len(paths)


class ResumableBatch:
    """Run a converter over files in saved chunks.

    Args:
        parts_dir (str): Folder of the finished chunks (created).
        fingerprint (dict): Everything that determines the outcomes (the
            command's options, the input files); parts of a run with another
            fingerprint are discarded rather than mixed in.
        chunk_size (int): Files per chunk. Defaults to 64.
    """

    def __init__(self,
                 parts_dir: str,
                 fingerprint: Dict,
                 chunk_size: int = 64) -> None:
        self.parts_dir = parts_dir
        self.chunk_size = chunk_size
        blob = json.dumps(
            dict(fingerprint, chunk_size=chunk_size), sort_keys=True)
        self.key = hashlib.sha1(blob.encode()).hexdigest()

    def _part(self, index: int) -> str:
        return osp.join(self.parts_dir, f'chunk_{index:06d}.pkl')

    def _prepare(self) -> None:
        manifest = osp.join(self.parts_dir, 'manifest.json')
        if osp.isfile(manifest):
            with open(manifest) as f:
                if json.load(f).get('key') == self.key:
                    return
            print(f'{self.parts_dir} holds parts of a run with other '
                  'options or files; starting over')
            shutil.rmtree(self.parts_dir)
        os.makedirs(self.parts_dir, exist_ok=True)
        atomic_write_text(json.dumps(dict(key=self.key)), manifest)

    def run(self,
            paths: Sequence[str],
            convert: Converter,
            workers: int = 0,
            progress: bool = True,
            start_method: str = 'fork') -> List[Dict]:
        """Convert ``paths`` (those not already done) and return every
        outcome of :func:`convert_one`, in the order of ``paths``.

        Args:
            paths (Sequence[str]): Input files.
            convert (callable): The converter; must be picklable (a module
                level function or a ``functools.partial`` of one) when
                ``workers > 0``.
            workers (int): Worker processes; 0 converts in this process.
            progress (bool): Show a progress bar. Defaults to True.
            start_method (str): How workers start: ``'fork'`` (fast) or
                ``'spawn'`` (for converters whose libraries must not be
                forked once initialised, e.g. MediaPipe). Defaults to
                ``'fork'``.
        """
        self._prepare()
        chunks = [
            paths[i:i + self.chunk_size]
            for i in range(0, len(paths), self.chunk_size)
        ]
        todo = [(convert, chunk, self._part(i))
                for i, chunk in enumerate(chunks)
                if not osp.isfile(self._part(i))]
        remaining = sum(len(t[1]) for t in todo)
        if remaining < len(paths):
            print(f'resuming: {len(paths) - remaining} of {len(paths)} files '
                  f'were converted by an earlier run')
        bar = ProgressBar(remaining) if progress and remaining else None
        if workers > 0 and len(todo) > 1:
            with multiprocessing.get_context(start_method).Pool(
                    workers) as pool:
                for n in pool.imap_unordered(_run_chunk, todo):
                    bar and bar.update(n)
        else:
            for task in todo:
                n = _run_chunk(task)
                bar and bar.update(n)
        if bar:
            print()
        outcomes = []
        for i in range(len(chunks)):
            outcomes += safe_load_pickle(self._part(i))
        return outcomes

    def cleanup(self) -> None:
        """Remove the parts (after the outputs are written)."""
        shutil.rmtree(self.parts_dir, ignore_errors=True)


Skip = Tuple[str, str, str]  # (file, reason, detail)


def skipped_rows(outcomes: Sequence[Dict],
                 extra: Sequence[Skip] = ()) -> List[Skip]:
    """``(file, reason, detail)`` of every skipped file: those of the
    outcomes, then ``extra`` (skips found outside the converter, e.g. an
    ignore list)."""
    return [(o['file'], *o['skip'])
            for o in outcomes if o['skip'] is not None] + list(extra)


def format_report(converted: int, skipped: Sequence[Skip],
                  title: str) -> str:
    """The report written beside an output: a summary, then one line
    ``file<TAB>reason<TAB>detail`` per skipped file.

    Args:
        converted (int): Files converted.
        skipped (Sequence[tuple]): :func:`skipped_rows`.
        title (str): First line.
    """
    counts = Counter(reason for _, reason, _ in skipped)
    lines = [
        title, f'converted: {converted}', f'skipped: {len(skipped)}'
    ] + [f'  {reason}: {n}' for reason, n in sorted(counts.items())]
    lines += ['', 'file\treason\tdetail']
    lines += ['\t'.join(row) for row in sorted(skipped)]
    return '\n'.join(lines) + '\n'


SplitFn = Optional[Callable[[List[str]], Dict[str, List[str]]]]


def input_stamps(paths: Sequence[str]) -> List[Tuple[str, int, int]]:
    """``(base name, size in bytes, mtime in ns)`` of each input: part of a
    run's fingerprint, so that an input changed between a killed run and its
    restart is converted again rather than keeping the old verdict."""
    stamps = []
    for path in paths:
        st = os.stat(path)
        stamps.append((osp.basename(path), st.st_size, st.st_mtime_ns))
    return stamps


def invalid_record(records: Dict[str, Dict]) -> Optional[str]:
    """Why a converted file's records would make an invalid annotation file
    (:func:`check_record`: NaN, a bad shape...), or None. A converter bug
    or an input it does not catch thus costs one file, not the run."""
    for key, record in records.items():
        try:
            check_record(record, 0, key)
        except AnnotationError as e:
            return str(e).replace(f'{key}: record 0', f'{key} record', 1)
    return None


def _short(path: str) -> str:
    """``folder/name`` of a path, for the report."""
    return osp.join(osp.basename(osp.dirname(path)), osp.basename(path))


def run_conversion(paths: Sequence[str],
                   convert: Converter,
                   outputs: Dict[str, Tuple[str, SplitFn]],
                   report: str,
                   title: str,
                   fingerprint: Dict,
                   workers: int = 0,
                   skipped: Sequence[Skip] = (),
                   keep_parts: bool = False,
                   progress: bool = True,
                   chunk_size: int = 64,
                   start_method: str = 'fork') -> Dict:
    """Convert files, then write each output's annotation file and the
    report, all atomically.

    Args:
        paths (Sequence[str]): Input files.
        convert (callable): ``path -> {output key: record}``.
        outputs (dict): Output key -> ``(annotation file, split function)``;
            the split function maps the converted frame_dirs (in input
            order) to the split dict; None writes a plain list of records.
        report (str): The report file; the parts folder is
            ``<report without extension>.parts``.
        title (str): First line of the report.
        fingerprint (dict): What determines the outcomes (see
            :class:`ResumableBatch`).
        workers (int): Worker processes (0: this process).
        skipped (Sequence[tuple]): Files skipped before converting, as
            ``(file, reason, detail)``.
        keep_parts (bool): Keep the parts folder. Defaults to False.
        progress (bool): Show a progress bar. Defaults to True.
        chunk_size (int): Files per saved chunk (the unit of work of a
            worker and of resuming). Defaults to 64.
        start_method (str): See :meth:`ResumableBatch.run`.

    Returns:
        dict: ``converted`` (count), ``skipped`` (reason -> count) and
        ``outputs`` (key -> number of records written).
    """
    batch = ResumableBatch(
        osp.splitext(report)[0] + '.parts',
        dict(fingerprint, files=input_stamps(paths)), chunk_size)
    outcomes = batch.run(paths, convert, workers, progress, start_method)
    seen: Dict[str, str] = {}  # frame_dir -> the file it came from
    for path, o in zip(paths, outcomes):
        if o['skip'] is not None:
            continue
        problem = invalid_record(o['records'])
        frame_dir = next(iter(o['records'].values()))['frame_dir']
        if problem is not None:
            o.update(records=None, skip=('invalid_record', problem))
        elif frame_dir in seen:
            o.update(records=None, skip=(
                'duplicate', f'frame_dir {frame_dir!r} came before, from '
                f'{_short(seen[frame_dir])}; this copy from {_short(path)} '
                'is left out'))
        else:
            seen[frame_dir] = path
    rows = skipped_rows(outcomes, skipped)
    atomic_write_text(format_report(len(seen), rows, title), report)
    if not seen:
        if not keep_parts:
            batch.cleanup()
        raise RuntimeError(f'none of the {len(paths)} files could be '
                           f'converted; the reasons are in {report}')
    written = {}
    for key, (path, split_fn) in outputs.items():
        records = [o['records'][key] for o in outcomes if o['skip'] is None]
        split = split_fn and split_fn([r['frame_dir'] for r in records])
        save_annotations(path, records, split)
        written[key] = len(records)
    if not keep_parts:
        batch.cleanup()
    counts = Counter(reason for _, reason, _ in rows)
    return dict(converted=len(seen), skipped=dict(sorted(counts.items())),
                outputs=written)


def convert_command(paths: Sequence[str], convert: Converter,
                    outputs: Dict[str, Tuple[str, SplitFn]], report: str,
                    **kwargs) -> Dict:
    """:func:`run_conversion` for a command line: prints what it did, and
    raises an :class:`InputError` with the reason when no file could be
    converted (the tools print it and exit with code 2)."""
    start = time.perf_counter()
    try:
        result = run_conversion(paths, convert, outputs, report, **kwargs)
    except RuntimeError as e:
        raise InputError(str(e)) from None
    skipped = sum(result['skipped'].values())
    print(f"converted {result['converted']} files, skipped {skipped}" +
          ''.join(f"\n  {reason}: {n}"
                  for reason, n in result['skipped'].items()))
    for key, (path, _) in outputs.items():
        print(f"wrote {result['outputs'][key]} records to {path}")
    print(f'report: {report}')
    print(f'done in {time.perf_counter() - start:.1f} s')
    return result
