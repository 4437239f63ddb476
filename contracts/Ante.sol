// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IAnte} from "./interfaces/IAnte.sol";
import {AnteBase} from "./AnteBase.sol";
import {AnteAppeals} from "./AnteAppeals.sol";

/// @title Ante: staked bounties judged by an m-of-n panel
/// @notice Holds funded challenges through their lifecycle (Open, Accepted, Submitted, then Settled,
/// Cancelled, Expired, Defaulted or Unreviewed; Ruled and Appealed between Submitted and Settled for a challenge
/// with an appeal window) and credits every payout to a per-token ledger that payees withdraw. No owner, no pause,
/// no upgrade, and no fee of its own (a review fee, an option, goes to the evaluators).
/// @dev The storage, and the rules shared with the appeal module, are in `AnteBase`. The appeal round and the
/// options (`createWithOptions`, the settlement of a challenge created with it, `appeal`, `finalize`) run in `AnteAppeals`, which the constructor deploys and which every call to them is delegated to:
/// one contract could not hold both within the 24,576-byte limit on code at the optimizer settings that keep a
/// plain challenge's lifecycle cheap. The module's address is fixed at construction and nothing can change it, so
/// the split adds no way to upgrade; a challenge created with `create` never leaves this contract's code.
contract Ante is IAnte, AnteBase {
    using SafeERC20 for IERC20;

    /// @notice The largest panel.
    uint256 public constant MAX_PANEL_SIZE = 32;

    /// @notice The share of the reward, in basis points, that a challenge created with `create` pays its
    /// contributor when it lapses Unreviewed: all of it, so that a panel's silence never pays the funders' side.
    uint16 public constant DEFAULT_UNREVIEWED_BPS = 10_000;

    /// @dev The appeal module, deployed by the constructor; it refuses calls at its own address.
    address private immutable _appeals;

    constructor() {
        _appeals = address(new AnteAppeals());
    }

    /*//////////////////////////////////////////////////////////////
                                 PANELS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IAnte
    function createPanel(address[] calldata members, uint8 threshold) external returns (uint32 panelId) {
        uint256 size = members.length;
        if (size == 0 || size > MAX_PANEL_SIZE) revert AntePanelSizeInvalid(size);
        if (uint256(threshold) * 2 <= size || threshold > size) revert AntePanelThresholdInvalid(threshold, size);

        panelId = ++_panelCount;
        for (uint256 i = 0; i < size; ++i) {
            address member = members[i];
            if (member == address(0)) revert AntePanelMemberZero(i);
            if (_memberThreshold[panelId][member] != 0) revert AntePanelMemberDuplicate(member);
            _memberThreshold[panelId][member] = threshold;
        }
        _panelMembers[panelId] = members;
        // size <= 32 was checked above, so the cast cannot truncate.
        _panels[panelId] = PanelInfo({size: uint8(size), threshold: threshold});
        emit PanelCreated(panelId, msg.sender, members, threshold);
    }

    /*//////////////////////////////////////////////////////////////
                               LIFECYCLE
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IAnte
    function create(Terms calldata terms, string calldata specURI)
        external
        payable
        nonReentrant
        returns (uint256 challengeId)
    {
        challengeId = _create(terms, specURI, 0);
        _escrow(terms.token, terms.reward, msg.value);
    }

    /// @inheritdoc IAnte
    /// @dev Delegated whole: the parameters are named for the ABI, and read by the module from the same call data.
    function createWithOptions(Terms calldata terms, string calldata specURI, Options calldata options)
        external
        payable
        returns (uint256 challengeId)
    {
        (terms, specURI, options);
        return abi.decode(_delegateToAppeals(), (uint256));
    }

    /// @inheritdoc IAnte
    function fund(uint256 challengeId, Challenge calldata challenge, uint128 amount) external payable nonReentrant {
        ChallengeSlot memory slot = _load(challengeId, challenge, State.Open);
        _checkInTime(challengeId, slot);
        if (slot.flags & ACCEPTED_ONCE != 0) revert AnteFundingClosed(challengeId);
        if (amount == 0) revert AnteAmountZero();
        Terms memory terms = challenge.terms;
        if (_memberThreshold[terms.panelId][msg.sender] != 0) revert AnteFunderOnPanel(terms.panelId, msg.sender);
        if (slot.flags & HAS_OPTIONS != 0) {
            uint32 appealPanelId = _options[challengeId].appealPanelId;
            if (_memberThreshold[appealPanelId][msg.sender] != 0) revert AnteFunderOnPanel(appealPanelId, msg.sender);
        }
        if (msg.sender == terms.designated) revert AnteSelfDealing(msg.sender);
        uint256 reward = uint256(terms.reward) + amount;
        if (reward > type(uint128).max) revert AnteRewardOutOfRange(reward);
        terms.reward = uint128(reward);

        uint8 flags = slot.flags;
        if (msg.sender != terms.funder) {
            flags |= CO_FUNDED;
            _contributions[challengeId][msg.sender] += amount;
            // The co-funded total is below the reward, which fits 128 bits.
            _pools[challengeId].coFunded += amount;
        }
        _challenges[challengeId] = ChallengeSlot({
            seal: uint200(uint256(keccak256(abi.encode(terms, address(0), bytes32(0))))),
            deadline: slot.deadline,
            state: State.Open,
            flags: flags
        });
        emit ChallengeFunded(challengeId, msg.sender, amount, reward);

        if (terms.token == address(0)) {
            if (msg.value != amount) revert AnteWrongAmount(amount, msg.value);
        } else {
            if (msg.value != 0) revert AnteUnexpectedEther(msg.value);
            _pullToken(terms.token, amount);
        }
    }

    /// @inheritdoc IAnte
    function accept(
        uint256 challengeId,
        Challenge calldata challenge,
        bytes32 promiseHash,
        uint40 promisedBy,
        string calldata promiseURI,
        uint16 confidenceBps
    ) external payable nonReentrant {
        ChallengeSlot memory slot = _load(challengeId, challenge, State.Open);
        _checkInTime(challengeId, slot);
        Terms calldata terms = challenge.terms;
        if (terms.designated != address(0) && terms.designated != msg.sender) {
            revert AnteNotDesignated(challengeId, terms.designated, msg.sender);
        }
        _checkNotSelfDealing(terms, msg.sender);
        if (slot.flags & CO_FUNDED != 0 && _contributions[challengeId][msg.sender] != 0) {
            revert AnteSelfDealing(msg.sender);
        }
        if (slot.flags & HAS_OPTIONS != 0 && _memberThreshold[_options[challengeId].appealPanelId][msg.sender] != 0) {
            revert AnteSelfDealing(msg.sender);
        }
        if (promiseHash == bytes32(0)) revert AntePromiseMissing();
        // block.timestamp <= acceptBy here, and acceptBy + deliverWithin fits 40 bits (checked at creation).
        uint40 deliverBy = uint40(block.timestamp) + terms.deliverWithin;
        if (promisedBy > deliverBy) revert AntePromiseTooLate(promisedBy, deliverBy);
        if (confidenceBps > BPS) revert AnteConfidenceInvalid(confidenceBps);

        uint256 stake = stakeFor(terms.reward, terms.stakeBps);
        _challenges[challengeId] = ChallengeSlot({
            seal: _seal(terms, msg.sender, bytes32(0)),
            deadline: deliverBy,
            state: State.Accepted,
            flags: slot.flags | ACCEPTED_ONCE
        });
        emit ChallengeAccepted(
            challengeId, msg.sender, stake, deliverBy, promiseHash, promisedBy, promiseURI, confidenceBps
        );

        if (terms.token == address(0)) {
            if (msg.value != stake) revert AnteWrongStake(stake, msg.value);
        } else {
            if (msg.value != 0) revert AnteUnexpectedEther(msg.value);
            if (stake != 0) _pullToken(terms.token, stake);
        }
    }

    /// @inheritdoc IAnte
    function submit(
        uint256 challengeId,
        Challenge calldata challenge,
        bytes32 deliverable,
        string calldata deliverableURI
    ) external nonReentrant {
        ChallengeSlot memory slot = _load(challengeId, challenge, State.Accepted);
        _checkInTime(challengeId, slot);
        if (challenge.contributor != msg.sender) revert AnteNotContributor(challengeId, msg.sender);
        if (deliverable == bytes32(0)) revert AnteDeliverableMissing();

        // block.timestamp <= deliverBy, and deliverBy + reviewWithin fits 40 bits (checked at creation).
        uint40 reviewBy = uint40(block.timestamp) + challenge.terms.reviewWithin;
        _challenges[challengeId] = ChallengeSlot({
            seal: _seal(challenge.terms, msg.sender, deliverable),
            deadline: reviewBy,
            state: State.Submitted,
            flags: slot.flags
        });
        emit ChallengeSubmitted(challengeId, msg.sender, deliverable, reviewBy, deliverableURI);
    }

    /// @inheritdoc IAnte
    function settle(
        uint256 challengeId,
        Challenge calldata challenge,
        uint16 score,
        address[] calldata signers,
        bytes[] calldata signatures
    ) external nonReentrant {
        ChallengeSlot memory slot = _load(challengeId, challenge, State.None);
        // A challenge with options may pay a review fee, record its verdict for an appeal or decide one: the module
        // settles it, under this call's reentrancy lock.
        if (slot.flags & HAS_OPTIONS != 0) {
            _delegateToAppeals();
            return;
        }
        if (slot.state != State.Submitted) revert AnteWrongState(challengeId, slot.state);
        _checkInTime(challengeId, slot);
        if (score > BPS) revert AnteScoreInvalid(score);
        _checkQuorum(challenge.terms.panelId, verdictDigest(challengeId, challenge.deliverable, score), signers, signatures);
        (uint256 toContributor, uint256 toFunder) = _settlePot(challengeId, challenge, score);
        emit ChallengeSettled(challengeId, score, toContributor, toFunder, signers);
        _creditFunders(challengeId, challenge.terms, slot.flags, toFunder, true);
    }

    /// @inheritdoc IAnte
    /// @dev Delegated whole (see `createWithOptions`).
    function appeal(uint256 challengeId, Challenge calldata challenge) external payable {
        (challengeId, challenge);
        _delegateToAppeals();
    }

    /// @inheritdoc IAnte
    /// @dev Delegated whole (see `createWithOptions`).
    function finalize(uint256 challengeId, Challenge calldata challenge) external {
        (challengeId, challenge);
        _delegateToAppeals();
    }

    /// @inheritdoc IAnte
    function lapse(uint256 challengeId, Challenge calldata challenge) external nonReentrant {
        ChallengeSlot memory slot = _load(challengeId, challenge, State.None);
        if (slot.state != State.Open && slot.state != State.Accepted && slot.state != State.Submitted) {
            revert AnteWrongState(challengeId, slot.state);
        }
        if (block.timestamp <= slot.deadline) {
            revert AnteDeadlineNotPassed(challengeId, slot.deadline, block.timestamp);
        }
        Terms calldata terms = challenge.terms;
        State next = State.Expired;
        uint256 toContributor = 0;
        uint256 toFunder = terms.reward;
        if (slot.state == State.Accepted) {
            next = State.Defaulted;
            toFunder += stakeFor(terms.reward, terms.stakeBps);
        } else if (slot.state == State.Submitted) {
            next = State.Unreviewed;
            uint256 share = slot.flags & HAS_OPTIONS == 0 ? BPS : _options[challengeId].unreviewedBps;
            uint256 paid = uint256(terms.reward) * share / BPS;
            toContributor = stakeFor(terms.reward, terms.stakeBps) + paid;
            toFunder -= paid;
        }
        _challenges[challengeId].state = next;
        _credit(terms.token, challenge.contributor, toContributor);
        emit ChallengeLapsed(challengeId, next, toContributor, toFunder);
        _creditFunders(challengeId, terms, slot.flags, toFunder, true);
        _returnFee(challengeId, terms, slot.flags);
    }

    /// @inheritdoc IAnte
    function cancel(uint256 challengeId, Challenge calldata challenge) external nonReentrant {
        ChallengeSlot memory slot = _load(challengeId, challenge, State.Open);
        if (challenge.terms.funder != msg.sender) revert AnteNotFunder(challengeId, msg.sender);
        _challenges[challengeId].state = State.Cancelled;
        emit ChallengeCancelled(challengeId, challenge.terms.reward);
        _creditFunders(challengeId, challenge.terms, slot.flags, challenge.terms.reward, true);
        _returnFee(challengeId, challenge.terms, slot.flags);
    }

    /// @inheritdoc IAnte
    function abandon(uint256 challengeId, Challenge calldata challenge) external nonReentrant {
        ChallengeSlot memory slot = _load(challengeId, challenge, State.Accepted);
        _checkInTime(challengeId, slot);
        if (challenge.contributor != msg.sender) revert AnteNotContributor(challengeId, msg.sender);

        Terms calldata terms = challenge.terms;
        uint256 stake = stakeFor(terms.reward, terms.stakeBps);
        bool reopened = block.timestamp <= terms.acceptBy;
        if (reopened) {
            _challenges[challengeId] = ChallengeSlot({
                seal: _seal(terms, address(0), bytes32(0)),
                deadline: terms.acceptBy,
                state: State.Open,
                flags: slot.flags
            });
            emit ChallengeAbandoned(challengeId, msg.sender, stake, true);
            _creditFunders(challengeId, terms, slot.flags, stake, false);
        } else {
            _challenges[challengeId].state = State.Expired;
            emit ChallengeAbandoned(challengeId, msg.sender, stake, false);
            emit ChallengeLapsed(challengeId, State.Expired, 0, terms.reward);
            _creditFunders(challengeId, terms, slot.flags, stake + terms.reward, true);
            _returnFee(challengeId, terms, slot.flags);
        }
    }

    /// @inheritdoc IAnte
    function claim(uint256 challengeId, Challenge calldata challenge, address funder)
        external
        nonReentrant
        returns (uint256 amount)
    {
        ChallengeSlot memory slot = _load(challengeId, challenge, State.None);
        if (slot.state < State.Settled || slot.state > State.Unreviewed) revert AnteWrongState(challengeId, slot.state);
        uint256 contributed = _contributions[challengeId][funder];
        if (contributed == 0) revert AnteNothingToClaim(challengeId, funder);
        _contributions[challengeId][funder] = 0;

        Terms calldata terms = challenge.terms;
        Pool storage pool = _pools[challengeId];
        uint256 shared = pool.shared;
        amount = Math.mulDiv(shared, contributed, terms.reward);
        // carry < reward and the new remainder < reward, so the sum fits 129 bits and, less one reward, 128.
        uint256 carry = uint256(pool.carry) + mulmod(shared, contributed, terms.reward);
        uint256 remainder = 0;
        if (carry >= terms.reward) {
            carry -= terms.reward;
            remainder = 1;
        }
        pool.carry = uint128(carry);
        _credit(terms.token, funder, amount);
        _credit(terms.token, terms.funder, remainder);
        emit FunderClaimed(challengeId, funder, amount, remainder);
    }

    /// @inheritdoc IAnte
    function withdraw(address token) external nonReentrant returns (uint256 amount) {
        return _withdraw(token, msg.sender);
    }

    /// @inheritdoc IAnte
    function withdrawTo(address token, address to) external nonReentrant returns (uint256 amount) {
        if (to == address(0) || to == address(this)) revert AnteRecipientInvalid(to);
        return _withdraw(token, to);
    }

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IAnte
    function sealOf(Challenge calldata challenge) external pure returns (uint200) {
        return _seal(challenge.terms, challenge.contributor, challenge.deliverable);
    }

    /// @inheritdoc IAnte
    function challengeStatus(uint256 challengeId) external view returns (State state, uint40 deadline, uint200 seal) {
        ChallengeSlot memory slot = _challenges[challengeId];
        return (slot.state, slot.deadline, slot.seal);
    }

    /// @inheritdoc IAnte
    function funding(uint256 challengeId) external view returns (uint128 coFunded, uint256 shared) {
        Pool storage pool = _pools[challengeId];
        return (pool.coFunded, pool.shared);
    }

    /// @inheritdoc IAnte
    function contribution(uint256 challengeId, address funder) external view returns (uint256) {
        return _contributions[challengeId][funder];
    }

    /// @inheritdoc IAnte
    function optionsOf(uint256 challengeId) public view returns (Options memory) {
        if (_challenges[challengeId].flags & HAS_OPTIONS == 0) {
            return Options({
                unreviewedBps: DEFAULT_UNREVIEWED_BPS, appealWindow: 0, appealPanelId: 0, appealBondBps: 0, reviewFee: 0
            });
        }
        return _options[challengeId];
    }

    /// @inheritdoc IAnte
    function challengeCount() external view returns (uint256) {
        return _challengeCount;
    }

    /// @inheritdoc IAnte
    function panelCount() external view returns (uint32) {
        return _panelCount;
    }

    /// @inheritdoc IAnte
    function panel(uint32 panelId) external view returns (address[] memory members, uint8 threshold) {
        return (_panelMembers[panelId], _panels[panelId].threshold);
    }

    /// @inheritdoc IAnte
    function isPanelMember(uint32 panelId, address account) external view returns (bool) {
        return _memberThreshold[panelId][account] != 0;
    }

    /// @inheritdoc IAnte
    function credit(address token, address account) external view returns (uint256) {
        uint256 stored = _credits[token][account];
        return stored == 0 ? 0 : stored - 1;
    }

    /*//////////////////////////////////////////////////////////////
                               INTERNALS
    //////////////////////////////////////////////////////////////*/

    /// @dev Runs this call (its calldata and value) in the appeal module, in this contract's storage, and returns
    /// what the module returned, or reverts with the module's error. The module's functions take the reentrancy lock
    /// themselves, except `settle`, which runs under the lock Ante's `settle` holds.
    function _delegateToAppeals() private returns (bytes memory) {
        return Address.functionDelegateCall(_appeals, msg.data);
    }

    /// @dev Sends `to` an account's whole credit in `token`.
    function _withdraw(address token, address to) private returns (uint256 amount) {
        uint256 stored = _credits[token][msg.sender];
        if (stored <= 1) revert AnteNothingToWithdraw(token, msg.sender);
        // Leave the slot at 1 (credited, nothing owed): see the storage notes in AnteBase.
        _credits[token][msg.sender] = 1;
        amount = stored - 1;
        emit Withdrawn(token, msg.sender, amount);
        if (token == address(0)) {
            (bool ok,) = payable(to).call{value: amount}("");
            if (!ok) revert AnteEtherTransferFailed(to, amount);
        } else {
            IERC20(token).safeTransfer(to, amount);
        }
    }
}
