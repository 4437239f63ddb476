// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IAnteCore} from "./interfaces/IAnte.sol";

/// @title Ante's storage and the rules its contract and its appeal module share
/// @notice Not deployed on its own. `Ante` inherits it, and so does `AnteAppeals`, the module Ante deploys in its
/// constructor and delegates the appeal round and the options to: the module runs in Ante's storage, so both
/// must see one layout, declared here once, and apply each rule (a record's seal, a quorum, a credit, the funders'
/// shares) from one definition.
/// @dev Storage layout, chosen so that a challenge costs one new slot over its whole life:
///
///   slot  variable                         contents
///   0,1   EIP712 name/version fallbacks    unused: "Ante" and "1" fit OpenZeppelin's ShortStrings
///   2     _challengeCount | _panelCount    uint64 | uint32: the last challenge id and the last panel id (from 1)
///   3     _challenges[id]                  ChallengeSlot, packed into one word:
///                                            bits   0..199  seal      uint200
///                                            bits 200..239  deadline  uint40
///                                            bits 240..247  state     uint8 (IAnte.State)
///                                            bits 248..255  flags     uint8: CO_FUNDED | ACCEPTED_ONCE | HAS_OPTIONS
///   4     _panels[panelId]                 PanelInfo: size uint8 | threshold uint8
///   5     _panelMembers[panelId]           address[], in creation order
///   6     _memberThreshold[panelId][acct]  uint8: the panel's threshold if `acct` is a member, else 0
///   7     _credits[token][account]         uint256: the withdrawable credit plus one, or 0 if never credited
///   8     _pools[id]                       Pool, only for a co-funded challenge: coFunded uint128 | carry uint128,
///                                          then shared uint256
///   9     _contributions[id][funder]       uint256: a co-funder's unclaimed contribution
///   10    _options[id]                     Options in one word, only for a challenge created with its own options
///   11    _rulings[id]                     Ruling: score uint16 | appellant address, only once a verdict is recorded
///
/// The seal is the low 200 bits of keccak256(abi.encode(Challenge)): it binds the terms, the
/// contributor and the deliverable without storing them (finding another record with the same
/// seal takes about 2^200 hashes, a colliding pair about 2^100). The flags are in the same word so that
/// a challenge nobody co-funds never reads a co-funding slot, and one created with `create` never reads an
/// options slot. The deadline is the one that applies in the current state: accept-by while Open, deliver-by
/// while Accepted, review-by while Submitted, appeal-by while Ruled, rule-by while Appealed. Callers pass the
/// record back; it is rebuilt from the events.
///
/// Two layouts trade clarity for the cost of a settlement. Each member's entry in _memberThreshold holds
/// the panel's threshold, so checking a quorum reads one slot per signer and nothing else. A credit is
/// stored plus one, and a withdrawal leaves the slot at 1 instead of 0: the next credit to the same
/// account rewrites a warm-able non-zero slot (5,000 gas) instead of creating one (22,100), the same
/// trade OpenZeppelin's ReentrancyGuard makes by using 1 and 2 rather than 0 and 1.
///
/// Books: for every token, the balance held equals the rewards and stakes of challenges in Open,
/// Accepted, Submitted, Ruled and Appealed, plus the review fees of those not yet ruled on, plus the bonds of those
/// Appealed, plus the stakes abandoned in co-funded challenges still running, plus the co-funders' unclaimed shares
/// of closed ones (with the rounding remainders not yet credited), plus all unwithdrawn credits. Every transition
/// moves escrow into credits without creating or losing a wei; only `withdraw` sends value out.
abstract contract AnteBase is IAnteCore, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /*//////////////////////////////////////////////////////////////
                               CONSTANTS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IAnteCore
    bytes32 public constant override VERDICT_TYPEHASH = keccak256("Verdict(uint256 challengeId,bytes32 deliverable,uint16 score)");

    /// @notice The EIP-712 type hash of an appeal panel's verdict, which a first-round signature cannot satisfy.
    bytes32 internal constant APPEAL_VERDICT_TYPEHASH =
        keccak256("AppealVerdict(uint256 challengeId,bytes32 deliverable,uint16 score)");

    /// @inheritdoc IAnteCore
    uint16 public constant override BPS = 10_000;

    /// @dev Flag: someone other than the creator has funded the challenge, so its funders' side is shared.
    uint8 internal constant CO_FUNDED = 1;
    /// @dev Flag: the challenge has been accepted at least once, so its reward is fixed.
    uint8 internal constant ACCEPTED_ONCE = 2;
    /// @dev Flag: the challenge was created with its own options, kept in `_options`.
    uint8 internal constant HAS_OPTIONS = 4;

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

    /// @dev A verdict recorded for a challenge with an appeal window, and who appealed it (zero until someone does).
    struct Ruling {
        uint16 score;
        address appellant;
    }

    // The two counts share a slot: `create` reads the panel count, to know the panel exists, in the slot it
    // writes the challenge count to, instead of a cold slot of the panel's own.
    uint64 internal _challengeCount;
    uint32 internal _panelCount;
    mapping(uint256 challengeId => ChallengeSlot) internal _challenges;
    mapping(uint32 panelId => PanelInfo) internal _panels;
    mapping(uint32 panelId => address[]) internal _panelMembers;
    mapping(uint32 panelId => mapping(address account => uint8)) internal _memberThreshold;
    mapping(address token => mapping(address account => uint256)) internal _credits;
    mapping(uint256 challengeId => Pool) internal _pools;
    mapping(uint256 challengeId => mapping(address funder => uint256)) internal _contributions;
    mapping(uint256 challengeId => Options) internal _options;
    mapping(uint256 challengeId => Ruling) internal _rulings;

    constructor() EIP712("Ante", "1") {}

    /*//////////////////////////////////////////////////////////////
                                 RULES
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IAnteCore
    function stakeFor(uint128 reward, uint16 stakeBps) public pure override returns (uint256) {
        // reward < 2^128 and stakeBps < 2^16, so the product and the rounding term fit in 256 bits.
        unchecked {
            return (uint256(reward) * stakeBps + (BPS - 1)) / BPS;
        }
    }

    /// @inheritdoc IAnteCore
    function verdictDigest(uint256 challengeId, bytes32 deliverable, uint16 score)
        public
        view
        override
        returns (bytes32)
    {
        return _hashTypedDataV4(keccak256(abi.encode(VERDICT_TYPEHASH, challengeId, deliverable, score)));
    }

    /// @dev The EIP-712 digest an appeal panel's evaluator signs for an appeal verdict.
    function _appealVerdictDigest(uint256 challengeId, bytes32 deliverable, uint16 score)
        internal
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(keccak256(abi.encode(APPEAL_VERDICT_TYPEHASH, challengeId, deliverable, score)));
    }

    /// @dev Checks a new challenge's terms, stores its slot with `flags` and emits ChallengeCreated.
    function _create(Terms calldata terms, string calldata specURI, uint8 flags) internal returns (uint256 challengeId) {
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

    /// @dev Takes `amount` of a challenge's token into escrow from the caller: exactly that in ether (`sent`, the
    /// call's value, is passed in by the payable function that calls this one), or the token pulled in full.
    function _escrow(address token, uint256 amount, uint256 sent) internal {
        if (token == address(0)) {
            if (sent != amount) revert AnteWrongReward(amount, sent);
        } else {
            if (sent != 0) revert AnteUnexpectedEther(sent);
            _pullToken(token, amount);
        }
    }

    function _seal(Terms calldata terms, address contributor, bytes32 deliverable) internal pure returns (uint200) {
        return uint200(uint256(keccak256(abi.encode(terms, contributor, deliverable))));
    }

    /// @dev Loads a challenge's slot, checks that it exists, that `challenge` is its record and, unless
    /// `expected` is None, that it is in state `expected`.
    function _load(uint256 challengeId, Challenge calldata challenge, State expected)
        internal
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

    function _checkInTime(uint256 challengeId, ChallengeSlot memory slot) internal view {
        if (block.timestamp > slot.deadline) revert AnteDeadlinePassed(challengeId, slot.deadline, block.timestamp);
    }

    function _checkNotSelfDealing(Terms calldata terms, address account) internal view {
        if (account == terms.funder || _memberThreshold[terms.panelId][account] != 0) revert AnteSelfDealing(account);
    }

    function _checkQuorum(
        uint32 panelId,
        bytes32 digest,
        address[] calldata signers,
        bytes[] calldata signatures
    ) internal view {
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

    /// @dev Closes a challenge on a verdict's `score`: marks it Settled and credits the contributor their part of
    /// the pot (reward plus stake). Returns both parts; the caller emits ChallengeSettled and then credits the
    /// funders' part with `_creditFunders`, so that the events come in the order the transition happens.
    function _settlePot(uint256 challengeId, Challenge calldata challenge, uint16 score)
        internal
        returns (uint256 toContributor, uint256 toFunder)
    {
        Terms calldata terms = challenge.terms;
        uint256 pot = uint256(terms.reward) + stakeFor(terms.reward, terms.stakeBps);
        toContributor = pot * score / BPS;
        toFunder = pot - toContributor;
        _challenges[challengeId].state = State.Settled;
        _credit(terms.token, challenge.contributor, toContributor);
    }

    /// @dev Credits what goes back to a challenge's funders' side: all to the creator, unless it is co-funded. Then
    /// it accumulates in the pool until the challenge closes (`closing`), when the creator's share is credited and
    /// the rest waits for the co-funders' claims.
    function _creditFunders(uint256 challengeId, Terms calldata terms, uint8 flags, uint256 amount, bool closing)
        internal
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

    /// @dev Credits a challenge's review fee back to its creator, if it has one: for a challenge that ends without a
    /// verdict.
    function _returnFee(uint256 challengeId, Terms calldata terms, uint8 flags) internal {
        if (flags & HAS_OPTIONS == 0) return;
        uint256 fee = _options[challengeId].reviewFee;
        if (fee == 0) return;
        _credit(terms.token, terms.funder, fee);
        emit ReviewFeeReturned(challengeId, fee);
    }

    function _credit(address token, address account, uint256 amount) internal {
        if (amount == 0) return;
        uint256 stored = _credits[token][account];
        _credits[token][account] = (stored == 0 ? 1 : stored) + amount;
    }

    /// @dev Pulls exactly `amount` of `token` from the caller, refusing a token that delivers a different
    /// amount than asked.
    function _pullToken(address token, uint256 amount) internal {
        uint256 before = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        uint256 afterwards = IERC20(token).balanceOf(address(this));
        uint256 received = afterwards > before ? afterwards - before : 0;
        if (received != amount) revert AnteTokenShortfall(token, amount, received);
    }
}
