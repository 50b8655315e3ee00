"""Person tracking across frames."""
import numpy as np

from mmactx.apis import FramePoses, track_persons


def person(cx, cy, size=60.):
    """A fixed 17-joint shape of ``size`` pixels centred at (cx, cy)."""
    rng = np.random.default_rng(7)
    shape = rng.uniform(-0.5, 0.5, (17, 2)).astype(np.float32)
    return shape * size + np.array([cx, cy], np.float32)


def test_crossing_persons_keep_their_slots():
    rng = np.random.default_rng(0)
    frames, truth = [], []
    for t in range(40):
        a = person(20 + 5 * t, 100)  # walks right
        b = person(215 - 5 * t, 108)  # walks left, crossing a at t ~ 20
        order = rng.permutation(2)  # the detector's order is arbitrary
        kps = np.stack([a, b])[order]
        frames.append(FramePoses(kps, np.ones((2, 17), np.float32)))
        truth.append((a, b))
    kp, sc = track_persons(frames, max_persons=2)
    assert kp.shape == (2, 40, 17, 2) and (sc == 1).all()
    # each slot is one person throughout: its centre moves one way only
    steps = np.diff(kp.mean(axis=2)[..., 0], axis=1)
    for slot in steps:
        assert (slot > 0).all() or (slot < 0).all()
    # and it is exactly that person's keypoints
    first = 0 if steps[0, 0] > 0 else 1
    np.testing.assert_array_equal(kp[first], [a for a, _ in truth])
    np.testing.assert_array_equal(kp[1 - first], [b for _, b in truth])


def test_gaps_continue_the_track_and_empty_frames_are_zero():
    frames = []
    for t in range(20):
        if 8 <= t < 12:  # missed for 4 frames
            frames.append(FramePoses.empty())
        else:
            frames.append(
                FramePoses(person(50 + 2 * t, 80)[None],
                           np.ones((1, 17), np.float32)))
    kp, sc = track_persons(frames)
    assert kp.shape[0] == 1
    assert (sc[0, 8:12] == 0).all() and (kp[0, 8:12] == 0).all()
    assert (sc[0, :8] == 1).all() and (sc[0, 12:] == 1).all()


def test_most_prominent_tracks_are_kept_first():
    frames = []
    for t in range(10):
        kps = [person(50, 50), person(300, 50), person(550, 50)]
        scores = np.array([0.5, 0.9, 0.2], np.float32)[:, None].repeat(17, 1)
        if t >= 5:  # the third person leaves
            kps, scores = kps[:2], scores[:2]
        frames.append(FramePoses(np.stack(kps), scores))
    kp, sc = track_persons(frames, max_persons=2)
    assert kp.shape[0] == 2
    np.testing.assert_allclose(sc[:, 0, 0], [0.9, 0.5])
    empty = track_persons([FramePoses.empty()] * 3)
    assert empty[0].shape == (0, 3, 17, 2)
