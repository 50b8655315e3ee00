"""IntegralAction's pose maps (joint heatmaps + part affinity fields),
written once for numpy arrays and torch tensors.

IntegralAction (Moon et al., CVPRW 2021) feeds its pose stream with maps
rendered from 2D keypoints on a ``grid x grid`` (56 x 56) grid:

* **joint heatmaps** (J channels): for every joint of every kept person
  whose score is ``> score_thr``, a Gaussian
  ``exp(-(dx^2 + dy^2) / (2 sigma^2))`` (``sigma`` in grid cells), summed
  over the persons and clipped at 1;
* **part affinity fields** (2L channels, one x and one y channel per limb):
  for every limb ``(a, b)`` of a kept person whose two end scores are both
  ``>= score_thr`` and whose length is not zero, the unit vector
  ``v = (b - a) / |b - a|`` in every cell whose centre ``p`` lies in the
  band of half-width ``paf_sigma`` along the segment: perpendicular distance
  ``|(p - a) x v| <= paf_sigma`` and projection
  ``0 <= (p - a) . v <= |b - a|`` (all bounds inclusive). A cell covered by
  several persons' bands holds the mean of their vectors (the sum divided
  by the number of covering persons); uncovered cells hold 0.

Conventions (identical for numpy and torch, since both run this code):

* **coordinates**: keypoints are continuous pixel coordinates of the input
  image, which spans ``[0, w] x [0, h]`` (a pixel ``i`` covers
  ``[i, i + 1)``, as mmaction2's ``Flip`` assumes: it maps ``x`` to
  ``w - x``). A grid coordinate is ``u = x * grid / w``,
  ``v = y * grid / h``; grid cell ``(row i, column j)`` covers
  ``[j, j + 1) x [i, i + 1)`` and the maps are evaluated at its centre
  ``(j + 0.5, i + 0.5)``. A horizontal flip ``x -> w - x`` therefore
  mirrors the maps exactly (column ``j`` <-> ``grid - 1 - j``).
* **channels**: ``[0, J)`` the joint heatmaps in the layout's joint order,
  then for limb ``l`` of ``layout.limbs`` channel ``J + 2 l`` its x
  component and ``J + 2 l + 1`` its y component (y points down, as image
  rows).
* **top-k**: per frame, the ``top_k`` persons with the largest mean joint
  score are kept (a joint with a non-finite coordinate or score counts as
  score 0); ties go to the lower person index. Padded persons (score 0, or
  NaN coordinates) are kept only when fewer real ones exist, and draw
  nothing.

Cost. The heatmaps are dense and separable: per person and joint a row
and a column profile, merged with one matrix product over the persons
(``O(N * J * H * W * P)`` multiply-adds, ``N`` the frames of all clips;
8 clips x 8 frames x 5 persons, OpenPose-18: 18 M, and a [N, J, H, W]
float32 result). The PAFs are tested, with the definition's arithmetic,
only on patches around the drawn limbs (the band's bounding box plus one
cell, every patch of the call as large as its largest box, at most the
grid): ``O(D * S)`` comparisons for ``D`` drawn limbs and patches of ``S``
cells (``S`` = H * W in the worst case, one limb across the grid; about 100
for limbs of 5 cells), in chunks of at most :data:`PAF_CHUNK_ELEMENTS`
patch cells (temporaries below ``~6 * 4 * PAF_CHUNK_ELEMENTS`` bytes,
~200 MB), then the cells in a band are scatter-added. Where the drawn
limbs, the patch size and the cells in a band are counted, torch tensors
make a few small transfers to the host per call (no data comes back).
"""
from dataclasses import dataclass
from typing import Optional, Tuple, Union

import numpy as np

from mmactx.skeletons import SkeletonLayout, get_layout

from .backend import Array, array_ops
from .rules import finite_joints

# Patch cells (drawn limbs x patch height x patch width) tested per PAF
# chunk.
PAF_CHUNK_ELEMENTS = 1 << 23


@dataclass(frozen=True)
class PoseMapSpec:
    """What :func:`render_pose_maps` renders.

    Args:
        layout (str | SkeletonLayout): Joint layout (``'openpose'``:
            OpenPose-18 with its 17 limbs, 52 channels; ``'nturgb+d'``:
            NTU-25 with its 24 limbs, 73 channels). Its ``limbs`` are the
            PAF limbs. Defaults to ``'openpose'``.
        img_shape (tuple[int, int]): ``(h, w)`` in pixels of the image the
            keypoints are in. Defaults to ``(224, 224)``.
        grid (int | tuple[int, int]): Map size in cells, ``(H, W)`` or one
            int for both. Defaults to 56.
        sigma (float): Gaussian sigma of the joint heatmaps, in grid cells.
            Defaults to 0.5.
        paf_sigma (float): Half-width of the PAF band, in grid cells.
            Defaults to 1.0.
        score_thr (float): A joint with score ``<= score_thr`` draws no
            Gaussian; a limb draws a PAF only if both end scores are
            ``>= score_thr``. Defaults to 0.1.
        top_k (int, optional): Persons kept per frame (by mean joint
            score); None keeps all. Defaults to 5.
    """
    layout: Union[str, SkeletonLayout] = 'openpose'
    img_shape: Tuple[int, int] = (224, 224)
    grid: Union[int, Tuple[int, int]] = 56
    sigma: float = 0.5
    paf_sigma: float = 1.0
    score_thr: float = 0.1
    top_k: Optional[int] = 5

    def __post_init__(self) -> None:
        layout = (get_layout(self.layout) if isinstance(self.layout, str)
                  else self.layout)
        if not isinstance(layout, SkeletonLayout):
            raise TypeError('layout must be a layout name or a '
                            f'SkeletonLayout, got {type(self.layout)}')
        object.__setattr__(self, 'layout', layout)
        grid = self.grid
        grid = (grid, grid) if isinstance(grid, (int, np.integer)) else grid
        grid = tuple(int(g) for g in grid)
        img_shape = tuple(float(s) for s in self.img_shape)
        if len(grid) != 2 or min(grid) < 1:
            raise ValueError(f'grid must be positive (H, W), got {self.grid}')
        if len(img_shape) != 2 or not min(img_shape) > 0:
            raise ValueError('img_shape must be a positive (h, w), got '
                             f'{self.img_shape}')
        object.__setattr__(self, 'grid', grid)
        object.__setattr__(self, 'img_shape', tuple(self.img_shape))
        if not self.sigma > 0 or not self.paf_sigma > 0:
            raise ValueError('sigma and paf_sigma must be positive, got '
                             f'{self.sigma} and {self.paf_sigma}')
        if self.top_k is not None and self.top_k < 1:
            raise ValueError(f'top_k must be >= 1 or None, got {self.top_k}')

    @property
    def num_joints(self) -> int:
        """J, the joint heatmap channels."""
        return self.layout.num_joints

    @property
    def limbs(self) -> Tuple[Tuple[int, int], ...]:
        """The PAF limbs ``(a, b)``: the layout's ``limbs``."""
        return tuple(self.layout.limbs)

    @property
    def num_channels(self) -> int:
        """``J + 2 L``."""
        return self.num_joints + 2 * len(self.limbs)

    @property
    def scale(self) -> Tuple[float, float]:
        """``(sx, sy)``: grid cells per image pixel along x and y."""
        return (self.grid[1] / self.img_shape[1],
                self.grid[0] / self.img_shape[0])

    def flip_channels(self) -> Tuple[list, list]:
        """The channel permutation and PAF x-component signs of a
        horizontal flip.

        Returns:
            tuple: ``(order, sign)``, lists of length ``num_channels``:
            the mirrored maps of the flipped keypoints are
            ``maps[..., order, :, ::-1] * sign`` of the originals' (joint
            channels by ``layout.flip_index()``, limb channel pairs by
            ``layout.limb_flip_pairs()``, x components negated).
        """
        j = self.num_joints
        order = list(self.layout.flip_index())
        limb_order = list(range(len(self.limbs)))
        for a, b in zip(*self.layout.limb_flip_pairs(self.limbs)):
            limb_order[a], limb_order[b] = b, a
        sign = [1.] * j
        for limb in limb_order:
            order += [j + 2 * limb, j + 2 * limb + 1]
            sign += [-1., 1.]
        return order, sign


def _person_inputs(keypoints: Array, spec: PoseMapSpec
                   ) -> Tuple[Array, Array, Array]:
    """Grid coordinates and scores of the kept persons.

    Args:
        keypoints (Array): [N, P, J, 3] ``(x, y, score)``, pixels.
        spec (PoseMapSpec): What to render.

    Returns:
        tuple: float32 [N, P, J] ``u``, ``v`` (grid cells; 0 for non-finite
        joints) and scores (0 for non-finite joints and for the persons
        outside the frame's top-k).
    """
    ops = array_ops(keypoints)
    xp = ops.xp
    kp = ops.as_float(keypoints)
    score = kp[..., 2]
    score = xp.where(xp.isfinite(score), score, 0.)
    x, y, score = finite_joints(kp[..., 0], kp[..., 1], score)
    sx, sy = spec.scale
    u, v = x * sx, y * sy
    num_persons = kp.shape[-3]
    if spec.top_k is not None and spec.top_k < num_persons:
        mean = score.mean(-1)  # [N, P]
        # rank of person p: persons scoring higher, or equal with a lower
        # index, come first
        other, this = mean[..., None, :], mean[..., :, None]
        index = ops.arange(num_persons, mean, integer=True)
        before = (other > this) | ((other == this) &
                                   (index[None, :] < index[:, None]))
        rank = ops.as_float(before).sum(-1)  # [N, P]
        score = score * ops.as_float(rank < spec.top_k)[..., None]
    return u, v, score


def _joint_heatmaps(u: Array, v: Array, score: Array, spec: PoseMapSpec,
                    out: Array) -> None:
    """Write the joint heatmaps into ``out[:, :J]``.

    Args:
        u, v, score (Array): float32 [N, P, J] from :func:`_person_inputs`.
        spec (PoseMapSpec): What to render.
        out (Array): float32 [N, C, H, W] output maps.
    """
    ops = array_ops(u)
    xp = ops.xp
    h, w = spec.grid
    scale = -0.5 / (spec.sigma * spec.sigma)
    cols = ops.arange(w, u) + 0.5
    rows = ops.arange(h, u) + 0.5
    # joints before persons: [N, J, P]
    u, v = xp.moveaxis(u, -1, -2), xp.moveaxis(v, -1, -2)
    drawn = ops.as_float(xp.moveaxis(score, -1, -2) > spec.score_thr)
    gx = cols - u[..., None]  # [N, J, P, W]
    gx = ops.exp_(gx * gx * scale)
    gy = rows[:, None] - v[..., None, :]  # [N, J, H, P]
    gy = ops.exp_(gy * gy * scale)
    gy *= drawn[..., None, :]
    # the sum over persons: [N, J, H, P] @ [N, J, P, W]
    out[:, :spec.num_joints] = ops.clip_(gy @ gx, 0., 1.)


def _limb_geometry(u: Array, v: Array, score: Array,
                   spec: PoseMapSpec) -> Tuple[Array, ...]:
    """Ends, directions and drawn flags of every person's limbs.

    Args:
        u, v, score (Array): float32 [N, P, J] from :func:`_person_inputs`.
        spec (PoseMapSpec): What to render.

    Returns:
        tuple: float32 [N * P * L] ``ax, ay, bx, by`` (grid cells),
        ``vx, vy`` (unit direction, 0 for a zero-length limb) and
        ``length``, and bool [N * P * L] ``drawn`` (both end scores
        ``>= score_thr`` and a non-zero length); flattened with the limb
        fastest.
    """
    ops = array_ops(u)
    xp = ops.xp
    a = [limb[0] for limb in spec.limbs]
    b = [limb[1] for limb in spec.limbs]
    ax, ay, bx, by = u[..., a], v[..., a], u[..., b], v[..., b]
    dx, dy = bx - ax, by - ay
    length = xp.sqrt(dx * dx + dy * dy)
    drawn = ((score[..., a] >= spec.score_thr) &
             (score[..., b] >= spec.score_thr) & (length > 0))
    inv = 1. / (length + ops.as_float(length == 0))
    return tuple(
        x.reshape(-1)
        for x in (ax, ay, bx, by, dx * inv, dy * inv, length, drawn))


def _window(lo: Array, hi: Array, margin: float,
            size: int) -> Tuple[Array, Array]:
    """First cell of the windows of segments spanning ``[lo, hi]`` (grid
    coordinates) grown by ``margin``, and their sizes in cells.

    The window takes every cell whose centre ``j + 0.5`` lies in
    ``[lo - margin, hi + margin]`` and up to one cell more on each side (so
    that no rounding of the bounds can leave out a cell the band test
    takes), clipped to ``[0, size)``. Returns int ``(first, count)``;
    ``count`` may be <= 0 (a window outside the grid).
    """
    ops = array_ops(lo)
    xp = ops.xp
    first = xp.clip(xp.floor(lo - margin - 0.5), 0, size - 1)
    last = xp.clip(xp.ceil(hi + margin - 0.5), -1, size - 1)
    first = ops.as_index(first)
    return first, ops.as_index(last) - first + 1


def _limb_pafs(u: Array, v: Array, score: Array, spec: PoseMapSpec,
               out: Array) -> None:
    """Write the PAFs into ``out[:, J:]``.

    Each drawn limb is tested only on its window, the cells of the band's
    bounding box (the segment's box grown by ``paf_sigma`` and one cell),
    on patches of the largest window of the call (at most the grid), a
    chunk of :data:`PAF_CHUNK_ELEMENTS` patch cells at a time; the band
    test is the definition's, cell by cell, so cells of a patch outside a
    window are tested too and simply fall outside the band. The vectors and
    the counts of covering persons are scatter-added (only the cells in a
    band) per frame and limb, then divided.

    Args:
        u, v, score (Array): float32 [N, P, J] from :func:`_person_inputs`.
        spec (PoseMapSpec): What to render.
        out (Array): float32 [N, C, H, W] output maps, PAF channels 0.
    """
    ops = array_ops(u)
    xp = ops.xp
    h, w = spec.grid
    n, p = u.shape[:2]
    num_limbs = len(spec.limbs)
    if not num_limbs:
        return
    ax, ay, bx, by, vx, vy, length, drawn = _limb_geometry(u, v, score,
                                                           spec)
    pick = ops.flatnonzero(drawn)
    if not pick.shape[0]:
        return
    ax, ay, bx, by, vx, vy, length = (x[pick] for x in (ax, ay, bx, by, vx,
                                                        vy, length))
    r = spec.paf_sigma
    col0, cols = _window(xp.minimum(ax, bx), xp.maximum(ax, bx), r, w)
    row0, rows = _window(xp.minimum(ay, by), xp.maximum(ay, by), r, h)
    # the one transfer to the host: the patch size
    patch_h = max(1, min(h, int(ops.to_host(rows.max()))))
    patch_w = max(1, min(w, int(ops.to_host(cols.max()))))
    # flat offsets of each limb's count image in [N, L, H, W] and of its x
    # channel in ``out`` [N, C, H, W] (y: one image further)
    frame, limb = pick // (p * num_limbs), pick % num_limbs
    count_base = (frame * num_limbs + limb) * (h * w)
    out_base = (frame * spec.num_channels + spec.num_joints +
                2 * limb) * (h * w)
    steps_y = ops.arange(patch_h, u, integer=True)
    steps_x = ops.arange(patch_w, u, integer=True)
    count = ops.zeros((n * num_limbs * h * w, ), u)
    flat = out.reshape(-1)  # a view: out is contiguous
    chunk = max(1, PAF_CHUNK_ELEMENTS // (patch_h * patch_w))
    for start in range(0, pick.shape[0], chunk):
        part = slice(start, start + chunk)
        row = row0[part, None] + steps_y  # [M, ph]
        col = col0[part, None] + steps_x  # [M, pw]
        # the definition's arithmetic, on cell centres j + 0.5
        rel_y = (ops.as_float(row) + 0.5) - ay[part, None]
        rel_x = (ops.as_float(col) + 0.5) - ax[part, None]
        pvx, pvy = vx[part, None], vy[part, None]
        proj = ((rel_y * pvy)[:, :, None] + (rel_x * pvx)[:, None, :])
        perp = ((rel_y * pvx)[:, :, None] - (rel_x * pvy)[:, None, :])
        inside = ((xp.abs(perp) <= r) & (proj >= 0) &
                  (proj <= length[part, None, None]) &
                  (row < h)[:, :, None] & (col < w)[:, None, :])
        del proj, perp
        cell = (xp.clip(row, 0, h - 1)[:, :, None] * w +
                xp.clip(col, 0, w - 1)[:, None, :])  # [M, ph, pw]
        # scatter only the cells in a band, limb after limb
        m = row.shape[0]
        inside = inside.reshape(m, -1)
        cell = cell.reshape(m, -1)[inside]
        owner = ops.repeat(start + ops.arange(m, u, integer=True),
                           inside.sum(1))  # the limb of each cell
        ops.scatter_add(count, count_base[owner] + cell,
                        ops.ones(cell.shape, u))
        index = out_base[owner] + cell
        ops.scatter_add(flat, index, vx[owner])
        ops.scatter_add(flat, index + h * w, vy[owner])
    count = ops.clip_min_(count, 1.).reshape(n, num_limbs, h, w)
    j0 = spec.num_joints
    out[:, j0::2] /= count
    out[:, j0 + 1::2] /= count


def render_pose_maps(keypoints: Array, spec: PoseMapSpec) -> Array:
    """Render IntegralAction's pose maps (see the module's docstring).

    One definition for numpy arrays (a clip in a CPU pipeline) and torch
    tensors (a batch on the model's device: the maps are made where the
    keypoints are, without a transfer).

    Args:
        keypoints (Array): [..., T, P, J, 3] ``(x, y, score)`` with x, y in
            pixels of ``spec.img_shape``; e.g. one clip [T, P, J, 3]
            (numpy) or a batch [B, T, P, J, 3] (torch, any device). Any
            float dtype (computed in float32); non-finite coordinates or
            scores mark absent joints.
        spec (PoseMapSpec): Layout, sizes and thresholds.

    Returns:
        Array: float32 [..., T, C, H, W] of the input's library and
        device, ``C = J + 2 L`` (52 for OpenPose-18, 73 for NTU-25),
        ``(H, W) = spec.grid``; joint heatmaps in [0, 1], PAF components
        in [-1, 1].
    """
    if keypoints.ndim < 4 or keypoints.shape[-1] != 3:
        raise ValueError('keypoints must be [..., T, P, J, 3] (x, y, '
                         f'score), got shape {tuple(keypoints.shape)}')
    if keypoints.shape[-2] != spec.num_joints:
        raise ValueError(f'keypoints have {keypoints.shape[-2]} joints, '
                         f'layout {spec.layout.name!r} has '
                         f'{spec.num_joints}')
    ops = array_ops(keypoints)
    lead = tuple(keypoints.shape[:-3])
    kp = keypoints.reshape((int(np.prod(lead)), ) +
                           tuple(keypoints.shape[-3:]))
    h, w = spec.grid
    out = ops.zeros((kp.shape[0], spec.num_channels, h, w), kp)
    if kp.shape[0] and kp.shape[1]:
        u, v, score = _person_inputs(kp, spec)
        _joint_heatmaps(u, v, score, spec, out)
        _limb_pafs(u, v, score, spec, out)
    return out.reshape(lead + (spec.num_channels, h, w))


def flip_pose_maps(maps: Array, spec: PoseMapSpec) -> Array:
    """The maps of horizontally flipped keypoints, from the originals'.

    Mirrors the columns, permutes the channels and negates the PAF x
    components (:meth:`PoseMapSpec.flip_channels`); equal to rendering the
    keypoints flipped by ``x -> w - x`` with left and right swapped.

    Args:
        maps (Array): [..., C, H, W] maps of :func:`render_pose_maps`.
        spec (PoseMapSpec): The spec they were rendered with.

    Returns:
        Array: float32 [..., C, H, W], same library and device.
    """
    ops = array_ops(maps)
    order, sign = spec.flip_channels()
    sign = ops.from_host(np.asarray(sign, np.float32), maps)
    index = ops.from_host(np.asarray(order, np.intp), maps)
    flipped = ops.xp.flip(maps[..., index, :, :], (-1, ))
    return flipped * sign[:, None, None]
