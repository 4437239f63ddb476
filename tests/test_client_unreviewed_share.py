"""The client posts a challenge with its own options (an Unreviewed share, an appeal round, a review fee) through
`createWithOptions`, and with plain `create` otherwise; options the contract would refuse are refused in its
words before anything is sent."""

import pytest

from ante.errors import ContractRefused
from ante.terms import DEFAULT_OPTIONS, Options
from oracle_support import oracle_client  # noqa: F401


def test_post_with_an_unreviewed_share_calls_create_with_options(oracle_client, bounties, ante, funder):
    terms = bounties.terms()
    cid, receipt = oracle_client.post(terms, "https://example.org/spec", funder, 2_500)
    [created] = receipt.events.filter(ante.ChallengeCreated)
    [options] = receipt.events.filter(ante.ChallengeOptionsSet)
    assert (created.challengeId, options.challengeId) == (cid, cid)
    assert Options.from_event(options.options) == Options(unreviewed_bps=2_500)
    assert Options.from_event(ante.optionsOf(cid)) == Options(unreviewed_bps=2_500)
    challenge = oracle_client.challenge(cid)
    assert challenge.unreviewed_bps == 2_500
    assert challenge.unreviewed_payout() == (terms.stake + terms.reward // 4, terms.reward - terms.reward // 4)


def test_post_without_a_share_calls_plain_create(oracle_client, bounties, ante, funder):
    cid, receipt = oracle_client.post(bounties.terms(), "https://example.org/spec", funder)
    assert not receipt.events.filter(ante.ChallengeOptionsSet)
    assert Options.from_event(ante.optionsOf(cid)) == DEFAULT_OPTIONS == oracle_client.challenge(cid).options


def test_post_with_an_appeal_round_and_a_review_fee_escrows_the_fee_beside_the_reward(
        oracle_client, bounties, ante, chain, deployer, evaluators, funder):
    ante.createPanel([e.address for e in evaluators[3:6]], 2, sender=deployer)
    chosen = Options(appeal_window=3_600, appeal_panel_id=int(ante.panelCount()), appeal_bond_bps=500, review_fee=9)
    terms, held = bounties.terms(), ante.balance
    oracle_client.check_post(terms, funder.address, options=chosen)
    cid, receipt = oracle_client.post(terms, "https://example.org/spec", funder, options=chosen)
    assert Options.from_event(ante.optionsOf(cid)) == chosen == oracle_client.challenge(cid).options
    assert ante.balance - held == terms.reward + 9
    # An Unreviewed share given beside the options is the options' share.
    cid, _ = oracle_client.post(terms, "https://example.org/spec", funder, 4_000, options=chosen)
    assert oracle_client.challenge(cid).options == Options(4_000, 3_600, chosen.appeal_panel_id, 500, 9)


def test_a_share_above_the_whole_reward_is_refused_before_anything_is_sent(oracle_client, bounties, ante, chain,
                                                                           funder):
    terms, count, head = bounties.terms(), ante.challengeCount(), chain.blocks.head.number
    for call in (lambda: oracle_client.check_post(terms, funder.address, 10_001),
                 lambda: oracle_client.post(terms, "https://example.org/spec", funder, 10_001)):
        with pytest.raises(ContractRefused) as refused:
            call()
        assert (refused.value.name, refused.value.inputs) == ("AnteUnreviewedBpsInvalid", {"unreviewedBps": 10_001})
        assert str(refused.value) == "The Unreviewed share must be 0% to 100% of the reward, not 100.01%."
    oracle_client.check_post(terms, funder.address, 10_000)
    oracle_client.check_post(terms, funder.address, 0)
    assert (ante.challengeCount(), chain.blocks.head.number) == (count, head)


@pytest.mark.parametrize("window, which, bond", [
    (0, "other", 0), (0, "none", 100),  # a panel or a bond without a window
    (3_600, "none", 100), (3_600, "unknown", 100), (3_600, "own", 100),  # no appeal panel, no such panel, its own
    (3_600, "other", 0), (3_600, "other", 10_001),  # a bond outside 1..10000
])
def test_appeal_terms_the_contract_refuses_are_refused_in_its_words(oracle_client, bounties, ante, chain,
                                                                     deployer, evaluators, funder, window, which, bond):
    """The appeal panel named is none (0), another panel, one that does not exist yet, or the challenge's own; each
    refusal is the contract's own, as its simulation confirms."""
    ante.createPanel([e.address for e in evaluators[3:6]], 2, sender=deployer)
    other = int(ante.panelCount())
    panel = {"none": 0, "other": other, "unknown": other + 1, "own": bounties.terms().panel_id}[which]
    assert other != bounties.terms().panel_id
    terms, head = bounties.terms(), chain.blocks.head.number
    chosen = Options(appeal_window=window, appeal_panel_id=panel, appeal_bond_bps=bond)
    expected = {"appealWindow": window, "appealPanelId": panel, "appealBondBps": bond}
    with pytest.raises(ContractRefused) as predicted:
        oracle_client.check_post(terms, funder.address, options=chosen)
    assert (predicted.value.name, predicted.value.inputs) == ("AnteAppealTermsInvalid", expected)
    assert str(predicted.value).startswith("An appeal round needs a window, another existing panel")
    with pytest.raises(ContractRefused) as simulated:
        oracle_client.send("createWithOptions", terms.as_tuple(), "https://example.org/spec", chosen.as_tuple(),
                           sender=funder, value=terms.reward)
    assert simulated.value.name == "AnteAppealTermsInvalid"
    assert {k: int(v) for k, v in simulated.value.inputs.items()} == expected
    assert chain.blocks.head.number == head


def test_a_funder_on_the_appeal_panel_and_a_fee_beyond_the_balance_are_refused(oracle_client, bounties, ante,
                                                                                deployer, evaluators, funder):
    ante.createPanel([funder.address, evaluators[4].address], 2, sender=deployer)
    on_it = Options(appeal_window=3_600, appeal_panel_id=int(ante.panelCount()), appeal_bond_bps=100)
    with pytest.raises(ContractRefused) as refused:
        oracle_client.check_post(bounties.terms(), funder.address, options=on_it)
    assert (refused.value.name, refused.value.inputs) == (
        "AnteFunderOnPanel", {"panelId": on_it.appeal_panel_id, "funder": funder.address})
    too_much = Options(review_fee=int(funder.balance))
    with pytest.raises(Exception, match="less than the"):
        oracle_client.check_post(bounties.terms(), funder.address, options=too_much)


def test_the_simulation_refuses_what_the_contract_would(oracle_client, bounties, ante, chain, funder):
    """Sent straight through `send`, past the client's own check: the simulated call reverts with the
    contract's error, decoded into its sentence, and nothing is signed or mined."""
    terms, head = bounties.terms(), chain.blocks.head.number
    with pytest.raises(ContractRefused) as refused:
        oracle_client.send("createWithOptions", terms.as_tuple(), "https://example.org/spec",
                           Options(unreviewed_bps=10_001).as_tuple(), sender=funder, value=terms.reward)
    assert refused.value.name == "AnteUnreviewedBpsInvalid"
    assert int(refused.value.inputs["unreviewedBps"]) == 10_001
    assert chain.blocks.head.number == head
