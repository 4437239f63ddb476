"""createPanel: strict-majority thresholds, 1..32 distinct non-zero members, immutable and reusable."""

import ape
import pytest

ZERO = "0x" + "00" * 20


def addrs(n):
    return [f"0x{i + 1:040x}" for i in range(n)]


def test_create_panel_records_members_threshold_and_event(ante, deployer, evaluators):
    members = [e.address for e in evaluators[:3]]
    before = ante.panelCount()
    receipt = ante.createPanel(members, 2, sender=deployer)
    panel_id = ante.panelCount()
    assert panel_id == before + 1
    got_members, threshold = ante.panel(panel_id)
    assert list(got_members) == members
    assert threshold == 2
    assert all(ante.isPanelMember(panel_id, m) for m in members)
    assert not ante.isPanelMember(panel_id, deployer)
    [event] = receipt.events.filter(ante.PanelCreated)
    assert event.panelId == panel_id
    assert event.creator == deployer.address
    assert list(event.members) == members
    assert event.threshold == 2


def test_create_panel_accepts_one_of_one(ante, deployer, evaluators):
    ante.createPanel([evaluators[0].address], 1, sender=deployer)
    members, threshold = ante.panel(ante.panelCount())
    assert list(members) == [evaluators[0].address] and threshold == 1


def test_create_panel_accepts_thirty_two_members(ante, deployer):
    ante.createPanel(addrs(32), 17, sender=deployer)
    members, threshold = ante.panel(ante.panelCount())
    assert len(members) == 32 and threshold == 17


def test_create_panel_reverts_on_size_zero(ante, deployer):
    with ape.reverts(ante.AntePanelSizeInvalid, size=0):
        ante.createPanel([], 1, sender=deployer)


def test_create_panel_reverts_on_size_thirty_three(ante, deployer):
    with ape.reverts(ante.AntePanelSizeInvalid, size=33):
        ante.createPanel(addrs(33), 17, sender=deployer)


@pytest.mark.parametrize("threshold,size", [(1, 2), (2, 4), (0, 1), (4, 3), (3, 6)])
def test_create_panel_reverts_on_threshold_not_strict_majority(ante, deployer, threshold, size):
    with ape.reverts(ante.AntePanelThresholdInvalid, threshold=threshold, size=size):
        ante.createPanel(addrs(size), threshold, sender=deployer)


def test_create_panel_reverts_on_zero_member(ante, deployer):
    members = addrs(3)
    members[1] = ZERO
    with ape.reverts(ante.AntePanelMemberZero, index=1):
        ante.createPanel(members, 2, sender=deployer)


def test_create_panel_reverts_on_duplicate_member(ante, deployer):
    members = addrs(3)
    members[2] = members[0]
    with ape.reverts(ante.AntePanelMemberDuplicate, member=members[0]):
        ante.createPanel(members, 2, sender=deployer)


def test_panel_unknown_id_is_empty(ante):
    members, threshold = ante.panel(10_000)
    assert list(members) == [] and threshold == 0
