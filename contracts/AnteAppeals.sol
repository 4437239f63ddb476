// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AnteBase} from "./AnteBase.sol";

/// @title Ante's appeal module: challenges with options, the appeal round and review fees
/// @notice Deployed by Ante's constructor and run only through it, by delegation, in Ante's storage: called at its
/// own address, every function refuses (`AnteNotDelegated`), so nothing can be escrowed here. Its functions have
/// the signatures `IAnte` declares for them, and Ante's events and errors.
/// @dev A challenge created with `createWithOptions` carries the HAS_OPTIONS flag, and Ante hands its settlement to
/// this module. With an appeal window its verdict is recorded (Ruled) rather than paid; the creator or the
/// contributor may appeal it with a bond (Appealed); the appeal panel's quorum, over a typed verdict of its own,
/// decides it, or its silence leaves the first verdict standing; `finalize` pays whatever stands once it can no
/// longer change. The review fee is paid to the first verdict's signers when it is recorded, since their work is
/// done then whatever an appeal decides.
contract AnteAppeals is AnteBase {
    /// @dev Ante's address: the module's code runs only with Ante's storage.
    address private immutable _ante;

    constructor() {
        _ante = msg.sender;
    }

    /// @dev Refuses a call that does not run in Ante's storage.
    modifier delegated() {
        if (address(this) != _ante) revert AnteNotDelegated();
        _;
    }

    /// @notice Posts a challenge with its own options: see `IAnte.createWithOptions`.
    function createWithOptions(Terms calldata terms, string calldata specURI, Options calldata options)
        external
        payable
        delegated
        nonReentrant
        returns (uint256 challengeId)
    {
        if (options.unreviewedBps > BPS) revert AnteUnreviewedBpsInvalid(options.unreviewedBps);
        if (options.appealWindow == 0) {
            if (options.appealPanelId != 0 || options.appealBondBps != 0) _revertAppealTerms(options);
        } else {
            if (
                options.appealPanelId == 0 || options.appealPanelId > _panelCount
                    || options.appealPanelId == terms.panelId || options.appealBondBps == 0
                    || options.appealBondBps > BPS
            ) _revertAppealTerms(options);
            // The verdict comes by review-by, the appeal by appeal-by, and the appeal panel's verdict within
            // another review window: the last deadline must fit 40 bits as the others do.
            uint256 latest = uint256(terms.acceptBy) + terms.deliverWithin + 2 * uint256(terms.reviewWithin)
                + options.appealWindow;
            if (latest > type(uint40).max) revert AnteDeadlinesOutOfRange(latest);
            if (_memberThreshold[options.appealPanelId][msg.sender] != 0) {
                revert AnteFunderOnPanel(options.appealPanelId, msg.sender);
            }
            if (terms.designated != address(0) && _memberThreshold[options.appealPanelId][terms.designated] != 0) {
                revert AnteSelfDealing(terms.designated);
            }
        }
        challengeId = _create(terms, specURI, HAS_OPTIONS);
        _options[challengeId] = options;
        emit ChallengeOptionsSet(challengeId, options);
        // Both amounts fit 128 bits, so their sum fits 129.
        _escrow(terms.token, uint256(terms.reward) + options.reviewFee, msg.value);
    }

    /// @notice Settles a challenge that has options, on its panel's verdict or its appeal panel's: see `IAnte.settle`.
    /// Reached only from Ante's `settle`, which holds the reentrancy lock for it (the same transient slot: this code
    /// runs in Ante's context).
    function settle(
        uint256 challengeId,
        Challenge calldata challenge,
        uint16 score,
        address[] calldata signers,
        bytes[] calldata signatures
    ) external delegated {
        ChallengeSlot memory slot = _load(challengeId, challenge, State.None);
        if (slot.state == State.Appealed) {
            _decideAppeal(challengeId, challenge, slot, score, signers, signatures);
            return;
        }
        if (slot.state != State.Submitted) revert AnteWrongState(challengeId, slot.state);
        _checkInTime(challengeId, slot);
        if (score > BPS) revert AnteScoreInvalid(score);
        Terms calldata terms = challenge.terms;
        _checkQuorum(terms.panelId, verdictDigest(challengeId, challenge.deliverable, score), signers, signatures);

        Options memory options = _options[challengeId];
        if (options.reviewFee != 0) {
            // A quorum has at least one signer.
            uint256 share = options.reviewFee / signers.length;
            uint256 remainder = options.reviewFee % signers.length;
            for (uint256 i = 0; i < signers.length; ++i) {
                _credit(terms.token, signers[i], share);
            }
            _credit(terms.token, terms.funder, remainder);
            emit ReviewFeePaid(challengeId, share, remainder, signers);
        }
        if (options.appealWindow == 0) {
            (uint256 toContributor, uint256 toFunder) = _settlePot(challengeId, challenge, score);
            emit ChallengeSettled(challengeId, score, toContributor, toFunder, signers);
            _creditFunders(challengeId, terms, slot.flags, toFunder, true);
            return;
        }
        // block.timestamp <= review-by, and review-by + appealWindow + reviewWithin fits 40 bits (checked at creation).
        uint40 appealBy = uint40(block.timestamp) + options.appealWindow;
        _challenges[challengeId] =
            ChallengeSlot({seal: slot.seal, deadline: appealBy, state: State.Ruled, flags: slot.flags});
        _rulings[challengeId].score = score;
        emit ChallengeRuled(challengeId, score, appealBy, signers);
    }

    /// @notice Appeals a recorded verdict: see `IAnte.appeal`.
    function appeal(uint256 challengeId, Challenge calldata challenge) external payable delegated nonReentrant {
        ChallengeSlot memory slot = _load(challengeId, challenge, State.Ruled);
        _checkInTime(challengeId, slot);
        Terms calldata terms = challenge.terms;
        if (msg.sender != terms.funder && msg.sender != challenge.contributor) revert AnteNotParty(challengeId, msg.sender);

        uint256 bond = stakeFor(terms.reward, _options[challengeId].appealBondBps);
        // block.timestamp <= appeal-by, and appeal-by + reviewWithin fits 40 bits (checked at creation).
        uint40 ruleBy = uint40(block.timestamp) + terms.reviewWithin;
        _challenges[challengeId] =
            ChallengeSlot({seal: slot.seal, deadline: ruleBy, state: State.Appealed, flags: slot.flags});
        _rulings[challengeId].appellant = msg.sender;
        emit ChallengeAppealed(challengeId, msg.sender, bond, ruleBy);

        if (terms.token == address(0)) {
            if (msg.value != bond) revert AnteWrongBond(bond, msg.value);
        } else {
            if (msg.value != 0) revert AnteUnexpectedEther(msg.value);
            _pullToken(terms.token, bond);
        }
    }

    /// @notice Pays a recorded verdict that can no longer change: see `IAnte.finalize`.
    function finalize(uint256 challengeId, Challenge calldata challenge) external delegated nonReentrant {
        ChallengeSlot memory slot = _load(challengeId, challenge, State.None);
        if (slot.state != State.Ruled && slot.state != State.Appealed) revert AnteWrongState(challengeId, slot.state);
        if (block.timestamp <= slot.deadline) revert AnteDeadlineNotPassed(challengeId, slot.deadline, block.timestamp);

        Terms calldata terms = challenge.terms;
        Ruling memory ruling = _rulings[challengeId];
        address[] memory none = new address[](0);
        if (slot.state == State.Appealed) {
            uint256 bond = stakeFor(terms.reward, _options[challengeId].appealBondBps);
            _credit(terms.token, ruling.appellant, bond);
            emit AppealDecided(challengeId, ruling.score, false, ruling.appellant, bond, none);
        }
        (uint256 toContributor, uint256 toFunder) = _settlePot(challengeId, challenge, ruling.score);
        emit ChallengeSettled(challengeId, ruling.score, toContributor, toFunder, none);
        _creditFunders(challengeId, terms, slot.flags, toFunder, true);
    }

    /// @dev Decides an appeal with the appeal panel's quorum, before its deadline, and pays the challenge on the
    /// appeal panel's score.
    function _decideAppeal(
        uint256 challengeId,
        Challenge calldata challenge,
        ChallengeSlot memory slot,
        uint16 score,
        address[] calldata signers,
        bytes[] calldata signatures
    ) private {
        _checkInTime(challengeId, slot);
        if (score > BPS) revert AnteScoreInvalid(score);
        Options memory options = _options[challengeId];
        _checkQuorum(
            options.appealPanelId, _appealVerdictDigest(challengeId, challenge.deliverable, score), signers, signatures
        );

        Terms calldata terms = challenge.terms;
        Ruling memory ruling = _rulings[challengeId];
        bool byContributor = ruling.appellant == challenge.contributor;
        bool won = byContributor ? score > ruling.score : score < ruling.score;
        address bondTo = won ? ruling.appellant : (byContributor ? terms.funder : challenge.contributor);
        uint256 bond = stakeFor(terms.reward, options.appealBondBps);
        _credit(terms.token, bondTo, bond);
        emit AppealDecided(challengeId, score, won, bondTo, bond, signers);

        (uint256 toContributor, uint256 toFunder) = _settlePot(challengeId, challenge, score);
        emit ChallengeSettled(challengeId, score, toContributor, toFunder, signers);
        _creditFunders(challengeId, terms, slot.flags, toFunder, true);
    }

    function _revertAppealTerms(Options calldata options) private pure {
        revert AnteAppealTermsInvalid(options.appealWindow, options.appealPanelId, options.appealBondBps);
    }
}
