// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IAnte} from "./interfaces/IAnte.sol";

/// @title Ante: staked bounties judged by an m-of-n panel
/// @notice Holds funded challenges through their lifecycle (Open, Accepted, Submitted, then Settled,
/// Cancelled, Expired, Defaulted or Unreviewed) and credits every payout to a per-token ledger that
/// payees withdraw. No owner, no pause, no upgrade, no fee.
/// @dev Storage layout, chosen so that a challenge costs one new slot over its whole life:
///
///   slot  variable                         contents
///   0,1   EIP712 name/version fallbacks    unused: "Ante" and "1" fit OpenZeppelin's ShortStrings
///   2     _challengeCount                  uint256, the last challenge id (ids start at 1)
///   3     _panelCount                      uint32 in a full slot, the last panel id (ids start at 1)
///   4     _challenges[id]                  ChallengeSlot, packed into one word:
///                                            bits   0..199  seal      uint200
///                                            bits 200..239  deadline  uint40
///                                            bits 240..247  state     uint8 (IAnte.State)
///                                            bits 248..255  flags     uint8: CO_FUNDED | ACCEPTED_ONCE
///                                                                               | OWN_UNREVIEWED_SHARE
///   5     _panels[panelId]                 PanelInfo: size uint8 | threshold uint8
///   6     _panelMembers[panelId]           address[], in creation order
///   7     _memberThreshold[panelId][acct]  uint8: the panel's threshold if `acct` is a member, else 0
///   8     _credits[token][account]         uint256: the withdrawable credit plus one, or 0 if never credited
///   9     _pools[id]                       Pool, only for a co-funded challenge: coFunded uint128 | carry uint128,
///                                          then shared uint256
///   11    _contributions[id][funder]       uint256: a co-funder's unclaimed contribution
///   12    _unreviewedShares[id]            uint16, only for a challenge created with its own Unreviewed share
///
/// The seal is the low 200 bits of keccak256(abi.encode(Challenge)): it binds the terms, the
/// contributor and the deliverable without storing them (finding another record with the same
/// seal takes about 2^200 hashes, a colliding pair about 2^100). The flags are in the same word so that
/// a challenge nobody co-funds never reads a co-funding slot. The deadline is the one that
/// applies in the current state: accept-by while Open, deliver-by while Accepted, review-by while
/// Submitted. Callers pass the record back; it is rebuilt from the events.
///
/// Two layouts trade clarity for the cost of a settlement. Each member's entry in _memberThreshold holds
/// the panel's threshold, so checking a quorum reads one slot per signer and nothing else. A credit is
/// stored plus one, and a withdrawal leaves the slot at 1 instead of 0: the next credit to the same
/// account rewrites a warm-able non-zero slot (5,000 gas) instead of creating one (22,100), the same
/// trade OpenZeppelin's ReentrancyGuard makes by using 1 and 2 rather than 0 and 1.
///
/// Books: for every token, the balance held equals the rewards and stakes of challenges in Open,
/// Accepted and Submitted, plus the stakes abandoned in co-funded challenges still running, plus the
/// co-funders' unclaimed shares of closed ones (with the rounding remainders not yet credited), plus all
/// unwithdrawn credits. Every transition moves escrow into credits
/// without creating or losing a wei; only `withdraw` sends value out.
contract Ante is IAnte, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /*//////////////////////////////////////////////////////////////
                               CONSTANTS
    //////////////////////////////////////////////////////////////*/

    /// @notice The EIP-712 type hash of a verdict.
    bytes32 public constant VERDICT_TYPEHASH = keccak256("Verdict(uint256 challengeId,bytes32 deliverable,uint16 score)");

    /// @notice Basis points in one whole (100%).
    uint16 public constant BPS = 10_000;

    /// @notice The largest panel.
    uint256 public constant MAX_PANEL_SIZE = 32;

    /// @dev Flag: someone other than the creator has funded the challenge, so its funders' side is shared.
    uint8 private constant CO_FUNDED = 1;
    /// @dev Flag: the challenge has been accepted at least once, so its reward is fixed.
    uint8 private constant ACCEPTED_ONCE = 2;
    /// @dev Flag: the challenge was created with its own Unreviewed share, kept in `_unreviewedShares`.
    uint8 private constant OWN_UNREVIEWED_SHARE = 4;

    /// @notice The share of the reward, in basis points, that a challenge created with `create` pays its
    /// contributor when it lapses Unreviewed: all of it, so that a panel's silence never pays the funders' side.
    uint16 public constant DEFAULT_UNREVIEWED_BPS = 10_000;

    /*//////////////////////////////////////////////////////////////
                                STORAGE
    //////////////////////////////////////////////////////////////*/

    struct ChallengeSlot {
        uint200 seal;
        uint40 deadline;
        State state;
        uint8 flags;
    }

    /// @dev A co-funded challenge's funders' side. `shared` accumulates what goes back to the funders (abandoned
    /// stakes while it runs, then the closing amount); `carry` accumulates the rounding remainders of the shares
    /// credited so far, in units of 1/reward wei, and hands the creator one wei each time it reaches a whole one.
    struct Pool {
        uint128 coFunded;
        uint128 carry;
        uint256 shared;
    }

    struct PanelInfo {
        uint8 size;
        uint8 threshold;
    }

    // The two counts share a slot: `create` reads the panel count, to know the panel exists, in the slot it
    // writes the challenge count to, instead of a cold slot of the panel's own.
    uint64 private _challengeCount;
    uint32 private _panelCount;
    mapping(uint256 challengeId => ChallengeSlot) private _challenges;
    mapping(uint32 panelId => PanelInfo) private _panels;
    mapping(uint32 panelId => address[]) private _panelMembers;
    mapping(uint32 panelId => mapping(address account => uint8)) private _memberThreshold;
    mapping(address token => mapping(address account => uint256)) private _credits;
    mapping(uint256 challengeId => Pool) private _pools;
    mapping(uint256 challengeId => mapping(address funder => uint256)) private _contributions;
    mapping(uint256 challengeId => uint16 unreviewedBps) private _unreviewedShares;

    constructor() EIP712("Ante", "1") {}

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
        _escrowReward(terms, msg.value);
    }

    /// @inheritdoc IAnte
    function createWithUnreviewedShare(Terms calldata terms, string calldata specURI, uint16 unreviewedBps)
        external
        payable
        nonReentrant
        returns (uint256 challengeId)
    {
        if (unreviewedBps > BPS) revert AnteUnreviewedBpsInvalid(unreviewedBps);
        challengeId = _create(terms, specURI, OWN_UNREVIEWED_SHARE);
        _unreviewedShares[challengeId] = unreviewedBps;
        emit UnreviewedShareSet(challengeId, unreviewedBps);
        _escrowReward(terms, msg.value);
    }

    /// @inheritdoc IAnte
    function fund(uint256 challengeId, Challenge calldata challenge, uint128 amount) external payable nonReentrant {
        ChallengeSlot memory slot = _load(challengeId, challenge, State.Open);
        _checkInTime(challengeId, slot);
        if (slot.flags & ACCEPTED_ONCE != 0) revert AnteFundingClosed(challengeId);
        if (amount == 0) revert AnteAmountZero();
        Terms memory terms = challenge.terms;
        if (_memberThreshold[terms.panelId][msg.sender] != 0) revert AnteFunderOnPanel(terms.panelId, msg.sender);
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
        ChallengeSlot memory slot = _load(challengeId, challenge, State.Submitted);
        _checkInTime(challengeId, slot);
        if (score > BPS) revert AnteScoreInvalid(score);
        _checkQuorum(challenge.terms.panelId, verdictDigest(challengeId, challenge.deliverable, score), signers, signatures);

        Terms calldata terms = challenge.terms;
        uint256 pot = uint256(terms.reward) + stakeFor(terms.reward, terms.stakeBps);
        uint256 toContributor = pot * score / BPS;
        uint256 toFunder = pot - toContributor;
        _challenges[challengeId].state = State.Settled;
        _credit(terms.token, challenge.contributor, toContributor);
        emit ChallengeSettled(challengeId, score, toContributor, toFunder, signers);
        _creditFunders(challengeId, terms, slot.flags, toFunder, true);
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
            uint256 share = slot.flags & OWN_UNREVIEWED_SHARE == 0 ? BPS : _unreviewedShares[challengeId];
            uint256 paid = uint256(terms.reward) * share / BPS;
            toContributor = stakeFor(terms.reward, terms.stakeBps) + paid;
            toFunder -= paid;
        }
        _challenges[challengeId].state = next;
        _credit(terms.token, challenge.contributor, toContributor);
        emit ChallengeLapsed(challengeId, next, toContributor, toFunder);
        _creditFunders(challengeId, terms, slot.flags, toFunder, true);
    }

    /// @inheritdoc IAnte
    function cancel(uint256 challengeId, Challenge calldata challenge) external nonReentrant {
        ChallengeSlot memory slot = _load(challengeId, challenge, State.Open);
        if (challenge.terms.funder != msg.sender) revert AnteNotFunder(challengeId, msg.sender);
        _challenges[challengeId].state = State.Cancelled;
        emit ChallengeCancelled(challengeId, challenge.terms.reward);
        _creditFunders(challengeId, challenge.terms, slot.flags, challenge.terms.reward, true);
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
        }
    }

    /// @inheritdoc IAnte
    function claim(uint256 challengeId, Challenge calldata challenge, address funder)
        external
        nonReentrant
        returns (uint256 amount)
    {
        ChallengeSlot memory slot = _load(challengeId, challenge, State.None);
        if (slot.state < State.Settled) revert AnteWrongState(challengeId, slot.state);
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
    function stakeFor(uint128 reward, uint16 stakeBps) public pure returns (uint256) {
        // reward < 2^128 and stakeBps < 2^16, so the product and the rounding term fit in 256 bits.
        unchecked {
            return (uint256(reward) * stakeBps + (BPS - 1)) / BPS;
        }
    }

    /// @inheritdoc IAnte
    function verdictDigest(uint256 challengeId, bytes32 deliverable, uint16 score) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(VERDICT_TYPEHASH, challengeId, deliverable, score)));
    }

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
    function unreviewedShareOf(uint256 challengeId) external view returns (uint16) {
        if (_challenges[challengeId].flags & OWN_UNREVIEWED_SHARE == 0) return DEFAULT_UNREVIEWED_BPS;
        return _unreviewedShares[challengeId];
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

    /// @dev Checks a new challenge's terms, stores its slot with `flags` and emits ChallengeCreated.
    function _create(Terms calldata terms, string calldata specURI, uint8 flags) private returns (uint256 challengeId) {
        if (terms.funder != msg.sender) revert AnteFunderNotCaller(terms.funder, msg.sender);
        if (terms.reward == 0) revert AnteRewardZero();
        if (terms.stakeBps > BPS) revert AnteStakeBpsInvalid(terms.stakeBps);
        if (terms.panelId == 0 || terms.panelId > _panelCount) revert AntePanelUnknown(terms.panelId);
        if (_memberThreshold[terms.panelId][msg.sender] != 0) revert AnteFunderOnPanel(terms.panelId, msg.sender);
        if (terms.acceptBy < block.timestamp) revert AnteAcceptByInPast(terms.acceptBy, block.timestamp);
        if (terms.deliverWithin == 0 || terms.reviewWithin == 0) {
            revert AnteWindowZero(terms.deliverWithin, terms.reviewWithin);
        }
        uint256 latest = uint256(terms.acceptBy) + terms.deliverWithin + terms.reviewWithin;
        if (latest > type(uint40).max) revert AnteDeadlinesOutOfRange(latest);
        if (terms.designated != address(0)) _checkNotSelfDealing(terms, terms.designated);

        challengeId = ++_challengeCount;
        _challenges[challengeId] = ChallengeSlot({
            seal: _seal(terms, address(0), bytes32(0)),
            deadline: terms.acceptBy,
            state: State.Open,
            flags: flags
        });
        emit ChallengeCreated(challengeId, msg.sender, terms.panelId, terms, specURI);
    }

    /// @dev Takes a new challenge's reward into escrow: exactly the reward in ether (`sent` is the call's value), or
    /// the token pulled in full.
    function _escrowReward(Terms calldata terms, uint256 sent) private {
        if (terms.token == address(0)) {
            if (sent != terms.reward) revert AnteWrongReward(terms.reward, sent);
        } else {
            if (sent != 0) revert AnteUnexpectedEther(sent);
            _pullToken(terms.token, terms.reward);
        }
    }

    function _seal(Terms calldata terms, address contributor, bytes32 deliverable) private pure returns (uint200) {
        return uint200(uint256(keccak256(abi.encode(terms, contributor, deliverable))));
    }

    /// @dev Loads a challenge's slot, checks that it exists, that `challenge` is its record and, unless
    /// `expected` is None, that it is in state `expected`.
    function _load(uint256 challengeId, Challenge calldata challenge, State expected)
        private
        view
        returns (ChallengeSlot memory slot)
    {
        slot = _challenges[challengeId];
        if (slot.state == State.None) revert AnteChallengeUnknown(challengeId);
        if (expected != State.None && slot.state != expected) revert AnteWrongState(challengeId, slot.state);
        if (slot.seal != _seal(challenge.terms, challenge.contributor, challenge.deliverable)) {
            revert AnteRecordMismatch(challengeId);
        }
    }

    function _checkInTime(uint256 challengeId, ChallengeSlot memory slot) private view {
        if (block.timestamp > slot.deadline) revert AnteDeadlinePassed(challengeId, slot.deadline, block.timestamp);
    }

    function _checkNotSelfDealing(Terms calldata terms, address account) private view {
        if (account == terms.funder || _memberThreshold[terms.panelId][account] != 0) revert AnteSelfDealing(account);
    }

    function _checkQuorum(
        uint32 panelId,
        bytes32 digest,
        address[] calldata signers,
        bytes[] calldata signatures
    ) private view {
        uint256 count = signers.length;
        if (count != signatures.length) revert AnteSignatureCountMismatch(count, signatures.length);
        // Every member's entry holds the panel's threshold; a panel has at least one member and threshold >= 1.
        uint256 threshold = count == 0 ? _panels[panelId].threshold : _memberThreshold[panelId][signers[0]];
        if (threshold == 0) revert AnteNotPanelMember(0, signers[0]);
        if (count < threshold) revert AnteQuorumNotMet(count, threshold);
        address previous = address(0);
        for (uint256 i = 0; i < count; ++i) {
            address signer = signers[i];
            if (signer <= previous) revert AnteSignersNotAscending(i, signer);
            if (i != 0 && _memberThreshold[panelId][signer] == 0) revert AnteNotPanelMember(i, signer);
            if (!_isValidSignature(signer, digest, signatures[i])) revert AnteInvalidSignature(i, signer);
            previous = signer;
        }
    }

    /// @dev Whether `signature` is `signer`'s over `digest`: an ECDSA signature from the signer's key, or else
    /// one the signer, a contract wallet such as a Safe, accepts through ERC-1271 `isValidSignature`.
    /// OpenZeppelin's `SignatureChecker.isValidSignatureNowCalldata` asks for the signer's code first, which
    /// costs 2,600 gas per cold signer on every settlement; trying the key first costs a wallet's signature
    /// one failed `ecrecover` instead. Both orders accept the same signatures: an address with code has no
    /// key, except an EIP-7702 account, whose key is its own. A wallet's answer can change (a Safe's owners
    /// change), so it counts as of the block that settles.
    function _isValidSignature(address signer, bytes32 digest, bytes calldata signature) private view returns (bool) {
        (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(digest, signature);
        if (err == ECDSA.RecoverError.NoError && recovered == signer) return true;
        return SignatureChecker.isValidERC1271SignatureNowCalldata(signer, digest, signature);
    }

    /// @dev Credits what goes back to a challenge's funders' side: all to the creator, unless it is co-funded. Then
    /// it accumulates in the pool until the challenge closes (`closing`), when the creator's share is credited and
    /// the rest waits for the co-funders' claims.
    function _creditFunders(uint256 challengeId, Terms calldata terms, uint8 flags, uint256 amount, bool closing)
        private
    {
        if (flags & CO_FUNDED == 0) {
            _credit(terms.token, terms.funder, amount);
            return;
        }
        Pool storage pool = _pools[challengeId];
        uint256 shared = pool.shared + amount;
        pool.shared = shared;
        if (!closing) return;
        uint256 own = terms.reward - pool.coFunded;
        uint256 toCreator = Math.mulDiv(shared, own, terms.reward);
        // The remainder is below the reward, which fits 128 bits.
        pool.carry = uint128(mulmod(shared, own, terms.reward));
        _credit(terms.token, terms.funder, toCreator);
        emit FundersShared(challengeId, shared, toCreator);
    }

    function _credit(address token, address account, uint256 amount) private {
        if (amount == 0) return;
        uint256 stored = _credits[token][account];
        _credits[token][account] = (stored == 0 ? 1 : stored) + amount;
    }

    /// @dev Pulls exactly `amount` of `token` from the caller, refusing a token that delivers a different
    /// amount than asked.
    function _withdraw(address token, address to) private returns (uint256 amount) {
        uint256 stored = _credits[token][msg.sender];
        if (stored <= 1) revert AnteNothingToWithdraw(token, msg.sender);
        // Leave the slot at 1 (credited, nothing owed): see the storage notes above.
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

    function _pullToken(address token, uint256 amount) private {
        uint256 before = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        uint256 afterwards = IERC20(token).balanceOf(address(this));
        uint256 received = afterwards > before ? afterwards - before : 0;
        if (received != amount) revert AnteTokenShortfall(token, amount, received);
    }
}
