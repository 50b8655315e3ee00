import pytest

from mmactx.skeletons import (COCO, COCO_POSEC3D_LIMBS, LAYOUTS, NTU25,
                              SkeletonLayout, get_layout)


@pytest.mark.parametrize('name', sorted(LAYOUTS))
def test_layouts_are_trees_with_mirrored_sides(name):
    layout = get_layout(name)
    # bones form a tree: V - 1 edges, every joint reaches the centre
    assert len(layout.bones) == layout.num_joints - 1
    parent = dict(layout.bones)
    for joint in range(layout.num_joints):
        seen = set()
        while joint in parent and joint not in seen:
            seen.add(joint)
            joint = parent[joint]
        assert joint == layout.center or joint not in parent
    flip = layout.flip_index()
    assert sorted(flip) == list(range(layout.num_joints))
    for a, b in zip(layout.left, layout.right):
        assert 'left' in layout.joints[a] and 'right' in layout.joints[b]
        assert layout.joints[a].replace('left', '') == \
            layout.joints[b].replace('right', '')


def test_coco_limb_flip_pairs_match_the_published_lists():
    assert COCO.limb_flip_pairs() == ((0, 2, 4, 5, 6, 10, 11, 12),
                                      (1, 3, 7, 8, 9, 13, 14, 15))
    assert COCO.limb_flip_pairs(COCO_POSEC3D_LIMBS) == (
        (0, 2, 3, 6, 7, 8, 12, 14), (1, 4, 5, 9, 10, 11, 13, 15))


def test_ntu_and_errors():
    assert NTU25.num_joints == 25 and NTU25.dims == 3
    assert NTU25.joints[NTU25.center] == 'spine_shoulder'
    with pytest.raises(KeyError, match='unknown skeleton layout'):
        get_layout('smpl')
    with pytest.raises(ValueError, match='outside'):
        SkeletonLayout('x', ('a', 'b'), ((0, 2), ), (), (), 0)


def test_blazepose_to_coco_keeps_joint_names():
    from mmactx.skeletons import BLAZEPOSE33_JOINTS, BLAZEPOSE33_TO_COCO17
    assert len(BLAZEPOSE33_JOINTS) == 33
    assert [BLAZEPOSE33_JOINTS[j] for j in BLAZEPOSE33_TO_COCO17] == \
        list(COCO.joints)
    # MediaPipe's documented indices of a few landmarks
    assert BLAZEPOSE33_JOINTS.index('left_shoulder') == 11
    assert BLAZEPOSE33_JOINTS.index('right_ankle') == 28
