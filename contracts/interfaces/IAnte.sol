// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC5267} from "@openzeppelin/contracts/interfaces/IERC5267.sol";

/// @title The Ante protocol's vocabulary: types, events, errors, and the rules any part of it computes
/// @notice Shared by the contract (`IAnte`) and its appeal module, which runs in the contract's storage: the
/// module implements these and no more of `IAnte`.
interface IAnteCore {
    /*//////////////////////////////////////////////////////////////
                                 TYPES
    //////////////////////////////////////////////////////////////*/

    /// @notice Where a challenge stands. `None` means no such challenge. Settled, Cancelled, Expired, Defaulted and
    /// Unreviewed are final. `Ruled` and `Appealed` exist only for a challenge with an appeal window (see `Options`):
    /// Ruled, the panel's verdict is recorded and may be appealed until the window closes; Appealed, the appeal
    /// panel has until its deadline to rule.
    enum State {
        None,
        Open,
        Accepted,
        Submitted,
        Settled,
        Cancelled,
        Expired,
        Defaulted,
        Unreviewed,
        Ruled,
        Appealed
    }

    /// @notice A challenge's terms, fixed at creation.
    /// @param funder Who escrows the reward and receives refunds and forfeits; must be the creator.
    /// @param token The reward's token; the zero address means ether.
    /// @param reward The escrowed reward, in the token's smallest unit; greater than zero. `fund` raises it: the
    /// record's reward is always the total escrowed by the creator and every co-funder.
    /// @param stakeBps The accepter's stake in basis points of the reward (0..10000).
    /// @param panelId The panel whose evaluators judge the deliverable.
    /// @param acceptBy The last timestamp at which the challenge can be accepted.
    /// @param deliverWithin Seconds from acceptance to the delivery deadline.
    /// @param reviewWithin Seconds from submission to the end of the review window.
    /// @param designated The only address allowed to accept, or zero for anyone.
    /// @param specHash A hash of the challenge's specification (its URI is in the creation event).
    struct Terms {
        address funder;
        address token;
        uint128 reward;
        uint16 stakeBps;
        uint32 panelId;
        uint40 acceptBy;
        uint32 deliverWithin;
        uint32 reviewWithin;
        address designated;
        bytes32 specHash;
    }

    /// @notice A challenge's options, fixed at creation with `createWithOptions` and kept in storage (not in the
    /// record): a challenge created with `create` has the defaults, all zero but the Unreviewed share.
    /// @param unreviewedBps The share of the reward, in basis points (0..10000), paid to the contributor beside the
    /// stake if the panel lets the review window pass; `DEFAULT_UNREVIEWED_BPS` (all of it) by default.
    /// @param appealWindow Seconds after the panel's verdict during which the creator or the contributor may appeal
    /// it; 0 (the default) means no appeal round: the verdict pays at once.
    /// @param appealPanelId The panel that decides an appeal, with its own threshold; another panel than the
    /// challenge's. Zero without an appeal window.
    /// @param appealBondBps The appeal bond in basis points of the reward (1..10000 with an appeal window, rounded up
    /// as the stake is; zero without): posted by the appellant, returned if the appeal is won or not ruled on in
    /// time, and paid to the other party if it is lost.
    /// @param reviewFee Escrowed by the creator on top of the reward: paid in equal shares to the evaluators whose
    /// signatures settle the panel's verdict (the remainder of the division to the creator), and returned to the
    /// creator if the challenge ends without one (Cancelled, Expired, Defaulted or Unreviewed).
    struct Options {
        uint16 unreviewedBps;
        uint32 appealWindow;
        uint32 appealPanelId;
        uint16 appealBondBps;
        uint128 reviewFee;
    }

    /// @notice Everything the contract needs to know about a challenge beyond its state and deadline.
    /// @param terms The terms fixed at creation.
    /// @param contributor Who accepted; zero while open.
    /// @param deliverable The submitted deliverable's hash; zero until submission.
    struct Challenge {
        Terms terms;
        address contributor;
        bytes32 deliverable;
    }

    /*//////////////////////////////////////////////////////////////
                                 EVENTS
    //////////////////////////////////////////////////////////////*/

    /// @notice Emitted when a panel is created.
    event PanelCreated(uint32 indexed panelId, address indexed creator, address[] members, uint8 threshold);

    /// @notice Emitted when a funder posts a challenge and its reward is escrowed.
    event ChallengeCreated(
        uint256 indexed challengeId, address indexed funder, uint32 indexed panelId, Terms terms, string specURI
    );

    /// @notice Emitted when a contributor accepts a challenge, escrowing `stake` and committing a promise.
    /// @param confidenceBps The contributor's stated chance of success in basis points; 0 = not stated.
    event ChallengeAccepted(
        uint256 indexed challengeId,
        address indexed contributor,
        uint256 stake,
        uint40 deliverBy,
        bytes32 promiseHash,
        uint40 promisedBy,
        string promiseURI,
        uint16 confidenceBps
    );

    /// @notice Emitted when the contributor submits the deliverable and the review window opens.
    event ChallengeSubmitted(
        uint256 indexed challengeId,
        address indexed contributor,
        bytes32 deliverable,
        uint40 reviewBy,
        string deliverableURI
    );

    /// @notice Emitted when a quorum's verdict settles a challenge; `signers` are the verdict's signers.
    event ChallengeSettled(
        uint256 indexed challengeId, uint16 score, uint256 toContributor, uint256 toFunder, address[] signers
    );

    /// @notice Emitted when a challenge is created with its own options (see `createWithOptions`).
    event ChallengeOptionsSet(uint256 indexed challengeId, Options options);

    /// @notice Emitted when a quorum's verdict on a challenge with an appeal window is recorded: it pays when the
    /// window closes unused (`finalize`), or the appeal decides. `signers` are the verdict's signers.
    event ChallengeRuled(uint256 indexed challengeId, uint16 score, uint40 appealBy, address[] signers);

    /// @notice Emitted when the creator or the contributor appeals a recorded verdict, escrowing `bond`; the appeal
    /// panel has until `ruleBy` to decide.
    event ChallengeAppealed(uint256 indexed challengeId, address indexed appellant, uint256 bond, uint40 ruleBy);

    /// @notice Emitted when an appeal closes. `score` is the one that pays: the appeal panel's, or the first verdict's
    /// when the appeal panel did not rule in time (then `signers` is empty). The appellant wins when the appeal
    /// panel's score moves in their favour (down for the creator, up for the contributor); `bondTo` is credited the
    /// bond: the appellant's own back unless they lost, when it goes to the other party (the creator or the
    /// contributor).
    event AppealDecided(
        uint256 indexed challengeId, uint16 score, bool appellantWon, address bondTo, uint256 bond, address[] signers
    );

    /// @notice Emitted when a challenge's review fee is paid: `share` to each of `signers` (the evaluators whose
    /// signatures settled the panel's verdict) and `remainder` (below the number of signers) to the creator.
    event ReviewFeePaid(uint256 indexed challengeId, uint256 share, uint256 remainder, address[] signers);

    /// @notice Emitted when a challenge ends without a verdict and its review fee is credited back to the creator.
    event ReviewFeeReturned(uint256 indexed challengeId, uint256 fee);

    /// @notice Emitted when a challenge lapses past a deadline into `state` (Expired, Defaulted or Unreviewed).
    event ChallengeLapsed(uint256 indexed challengeId, State state, uint256 toContributor, uint256 toFunder);

    /// @notice Emitted when the funder cancels an open challenge; `refund` is credited to the funder (shared with the
    /// co-funders, if any: see `FundersShared`).
    event ChallengeCancelled(uint256 indexed challengeId, uint256 refund);

    /// @notice Emitted when the contributor abandons; the stake is forfeited to the funder (to the funders' side, shared
    /// when the challenge closes, if it has co-funders).
    /// @param reopened True when the challenge is open again; false when accept-by had passed and it expired.
    event ChallengeAbandoned(
        uint256 indexed challengeId, address indexed contributor, uint256 forfeited, bool reopened
    );

    /// @notice Emitted when `funder` adds `amount` to an open challenge's reward, which is now `reward`. A co-funder
    /// (anyone but the creator) shares whatever goes back to the funders' side by contribution.
    event ChallengeFunded(uint256 indexed challengeId, address indexed funder, uint256 amount, uint256 reward);

    /// @notice Emitted when a co-funded challenge closes: `shared` is everything that went back to the funders'
    /// side over its life (the closing event's `toFunder` plus any abandoned stakes); `toCreator` is the creator's
    /// share, credited now. Each co-funder's share waits for `claim`.
    event FundersShared(uint256 indexed challengeId, uint256 shared, uint256 toCreator);

    /// @notice Emitted when a co-funder's share of a closed challenge is credited: `amount` to the co-funder and
    /// `remainder` (0 or 1) to the creator, who receives every rounding remainder.
    event FunderClaimed(uint256 indexed challengeId, address indexed funder, uint256 amount, uint256 remainder);

    /// @notice Emitted when an account withdraws its credit in `token` (zero for ether).
    event Withdrawn(address indexed token, address indexed account, uint256 amount);

    /*//////////////////////////////////////////////////////////////
                                 ERRORS
    //////////////////////////////////////////////////////////////*/

    /// @notice Thrown when a panel would have no members or more than 32.
    error AntePanelSizeInvalid(uint256 size);
    /// @notice Thrown when a panel's threshold is not a strict majority of its members (n/2 < m <= n).
    error AntePanelThresholdInvalid(uint256 threshold, uint256 size);
    /// @notice Thrown when a panel member is the zero address.
    error AntePanelMemberZero(uint256 index);
    /// @notice Thrown when a panel lists the same member twice.
    error AntePanelMemberDuplicate(address member);
    /// @notice Thrown when a panel id does not exist.
    error AntePanelUnknown(uint32 panelId);

    /// @notice Thrown when the terms name a funder other than the caller.
    error AnteFunderNotCaller(address funder, address caller);
    /// @notice Thrown when the funder sits on the panel that would judge the challenge, or on its appeal panel: a
    /// funder who is also a judge could withhold a verdict, or sign a low one, and be paid for it.
    error AnteFunderOnPanel(uint32 panelId, address funder);
    /// @notice Thrown when a challenge's reward is zero.
    error AnteRewardZero();
    /// @notice Thrown when the stake exceeds 10000 basis points (100% of the reward).
    error AnteStakeBpsInvalid(uint16 stakeBps);
    /// @notice Thrown when accept-by is already in the past at creation.
    error AnteAcceptByInPast(uint40 acceptBy, uint256 timestamp);
    /// @notice Thrown when the delivery or review window is zero seconds.
    error AnteWindowZero(uint32 deliverWithin, uint32 reviewWithin);
    /// @notice Thrown when accept-by plus both windows would not fit in a 40-bit timestamp.
    error AnteDeadlinesOutOfRange(uint256 latestDeadline);
    /// @notice Thrown when the ether sent with `create` is not exactly the reward (with `createWithOptions`: the
    /// reward plus the review fee).
    error AnteWrongReward(uint256 expected, uint256 sent);
    /// @notice Thrown when the ether sent with `accept` is not exactly the stake.
    error AnteWrongStake(uint256 expected, uint256 sent);
    /// @notice Thrown when ether is sent with an operation on a token challenge.
    error AnteUnexpectedEther(uint256 sent);
    /// @notice Thrown when a token delivers a different amount than was transferred (fee-on-transfer and kin).
    error AnteTokenShortfall(address token, uint256 expected, uint256 received);

    /// @notice Thrown when a challenge id does not exist.
    error AnteChallengeUnknown(uint256 challengeId);
    /// @notice Thrown when the record passed does not match the challenge's seal (read it from the events).
    error AnteRecordMismatch(uint256 challengeId);
    /// @notice Thrown when the operation is not allowed in the challenge's current state.
    error AnteWrongState(uint256 challengeId, State state);
    /// @notice Thrown when the operation comes after the current deadline (deadlines are inclusive).
    error AnteDeadlinePassed(uint256 challengeId, uint40 deadline, uint256 timestamp);
    /// @notice Thrown when a challenge's Unreviewed share is above 10000 basis points.
    error AnteUnreviewedBpsInvalid(uint16 unreviewedBps);
    /// @notice Thrown when appeal terms are incomplete or out of range: with a window, the appeal panel must exist
    /// and differ from the challenge's and the bond be 1..10000 basis points; without one, both must be zero.
    error AnteAppealTermsInvalid(uint32 appealWindow, uint32 appealPanelId, uint16 appealBondBps);
    /// @notice Thrown when someone other than the creator or the contributor appeals.
    error AnteNotParty(uint256 challengeId, address caller);
    /// @notice Thrown when the ether sent with `appeal` is not exactly the bond.
    error AnteWrongBond(uint256 expected, uint256 sent);
    /// @notice Thrown when the appeal module is called at its own address rather than through Ante.
    error AnteNotDelegated();

    /// @notice Thrown when a lapse is attempted at or before the current deadline.
    error AnteDeadlineNotPassed(uint256 challengeId, uint40 deadline, uint256 timestamp);
    /// @notice Thrown when someone other than the funder tries to cancel.
    error AnteNotFunder(uint256 challengeId, address caller);
    /// @notice Thrown when someone other than the contributor tries to submit or abandon.
    error AnteNotContributor(uint256 challengeId, address caller);
    /// @notice Thrown when a challenge designated for one contributor is accepted by another.
    error AnteNotDesignated(uint256 challengeId, address designated, address caller);
    /// @notice Thrown when the funder or one of the panel's (or the appeal panel's) evaluators would be the contributor.
    error AnteSelfDealing(address account);
    /// @notice Thrown when the promise hash is zero.
    error AntePromiseMissing();
    /// @notice Thrown when the promised-by time is later than the delivery deadline.
    error AntePromiseTooLate(uint40 promisedBy, uint40 deliverBy);
    /// @notice Thrown when a stated confidence exceeds 10000 basis points.
    error AnteConfidenceInvalid(uint16 confidenceBps);
    /// @notice Thrown when the deliverable hash is zero.
    error AnteDeliverableMissing();

    /// @notice Thrown when a verdict's score exceeds 10000 basis points.
    error AnteScoreInvalid(uint16 score);
    /// @notice Thrown when the number of signers and signatures differ.
    error AnteSignatureCountMismatch(uint256 signers, uint256 signatures);
    /// @notice Thrown when fewer signers than the panel's threshold are given.
    error AnteQuorumNotMet(uint256 signers, uint256 threshold);
    /// @notice Thrown when signers are not in strictly increasing address order (this also rules out duplicates).
    error AnteSignersNotAscending(uint256 index, address signer);
    /// @notice Thrown when a signer is not a member of the challenge's panel.
    error AnteNotPanelMember(uint256 index, address signer);
    /// @notice Thrown when a signature is neither the signer's key's (malformed, high-s, or another key's) nor
    /// one the signer accepts as a contract wallet (ERC-1271).
    error AnteInvalidSignature(uint256 index, address signer);

    /// @notice Thrown when `fund` adds nothing.
    error AnteAmountZero();
    /// @notice Thrown when a challenge has been accepted once: its reward is fixed from then on, even if the
    /// contributor abandons and it re-opens.
    error AnteFundingClosed(uint256 challengeId);
    /// @notice Thrown when funding would take the reward past 2^128 - 1.
    error AnteRewardOutOfRange(uint256 reward);
    /// @notice Thrown when the ether sent with `fund` is not exactly the amount.
    error AnteWrongAmount(uint256 expected, uint256 sent);
    /// @notice Thrown when a claim names an account that co-funded nothing in the challenge, or already claimed.
    error AnteNothingToClaim(uint256 challengeId, address funder);

    /// @notice Thrown when an account has no credit to withdraw in a token.
    error AnteNothingToWithdraw(address token, address account);
    /// @notice Thrown when sending ether to a withdrawing account fails.
    error AnteEtherTransferFailed(address account, uint256 amount);
    /// @notice Thrown when a withdrawal names the zero address or Ante itself as its recipient.
    error AnteRecipientInvalid(address to);

    /*//////////////////////////////////////////////////////////////
                                 RULES
    //////////////////////////////////////////////////////////////*/

    /// @notice The EIP-712 type hash of a verdict:
    /// keccak256("Verdict(uint256 challengeId,bytes32 deliverable,uint16 score)").
    function VERDICT_TYPEHASH() external view returns (bytes32);

    /// @notice Basis points in one whole (100%): the scale of stakes, scores and confidences.
    function BPS() external view returns (uint16);

    /// @notice The stake required to accept a reward: ceil(reward * stakeBps / 10000).
    function stakeFor(uint128 reward, uint16 stakeBps) external pure returns (uint256);

    /// @notice The EIP-712 digest an evaluator signs for a verdict.
    function verdictDigest(uint256 challengeId, bytes32 deliverable, uint16 score) external view returns (bytes32);
}

/// @title The Ante protocol: functions
/// @notice Staked bounties. A funder escrows a reward for a challenge; a contributor accepts it by
/// staking a share of the reward and promising a delivery; a panel of evaluators judges the
/// deliverable with EIP-712 verdicts; anyone relays a quorum and the contract settles.
/// @dev The contract keeps one storage slot per challenge: its state, its current deadline, its flags and a
/// seal (a hash) of its record. The record itself (terms, contributor, deliverable) travels in the
/// events and is passed back by callers, who read it from the event log. Every function Ante has is
/// declared here or in `IAnteCore`, with its NatSpec, so that `Ante is IAnte` holds the contract to this ABI; the verdicts'
/// EIP-712 domain is read with ERC-5267's `eip712Domain`.
interface IAnte is IAnteCore, IERC5267 {
    /*//////////////////////////////////////////////////////////////
                              CONSTANTS
    //////////////////////////////////////////////////////////////*/

    /// @notice The largest panel.
    function MAX_PANEL_SIZE() external view returns (uint256);

    /// @notice The share of the reward, in basis points, that a challenge created with `create` pays its contributor
    /// when it lapses Unreviewed (10000: all of it).
    function DEFAULT_UNREVIEWED_BPS() external view returns (uint16);

    /*//////////////////////////////////////////////////////////////
                                PANELS
    //////////////////////////////////////////////////////////////*/

    /// @notice Creates an immutable panel of evaluators with a strict-majority threshold.
    /// @param members 1..32 distinct, non-zero evaluator addresses.
    /// @param threshold How many members must sign a verdict; n/2 < threshold <= n.
    /// @return panelId The new panel's id.
    function createPanel(address[] calldata members, uint8 threshold) external returns (uint32 panelId);

    /*//////////////////////////////////////////////////////////////
                              LIFECYCLE
    //////////////////////////////////////////////////////////////*/

    /// @notice Posts a challenge and escrows its reward: send the reward as ether, or approve the token first.
    /// The funder may not sit on the challenge's panel (`AnteFunderOnPanel`). If the challenge lapses Unreviewed,
    /// its contributor is paid the whole reward (`DEFAULT_UNREVIEWED_BPS`) beside the stake.
    /// @param terms The terms; `terms.funder` must be the caller.
    /// @param specURI Where the specification can be read; its hash is `terms.specHash`.
    /// @return challengeId The new challenge's id.
    function create(Terms calldata terms, string calldata specURI) external payable returns (uint256 challengeId);

    /// @notice Posts a challenge as `create` does, with its own options (see `Options`): an Unreviewed share, an
    /// appeal round, a review fee. Escrows the reward plus the review fee: send both as ether, or approve the token
    /// for both. The funder may sit on neither panel, nor the designated contributor. The options are fixed at
    /// creation, emitted in `ChallengeOptionsSet` and read with `optionsOf`.
    /// @param terms The terms; `terms.funder` must be the caller.
    /// @param specURI Where the specification can be read; its hash is `terms.specHash`.
    /// @param options The options.
    /// @return challengeId The new challenge's id.
    function createWithOptions(Terms calldata terms, string calldata specURI, Options calldata options)
        external
        payable
        returns (uint256 challengeId);

    /// @notice Accepts an open challenge: escrows exactly the stake and commits a promise.
    /// @param challengeId The challenge.
    /// @param challenge Its record (contributor and deliverable zero), as rebuilt from the events.
    /// @param promiseHash A hash of the promise document: what, by when, with what resources.
    /// @param promisedBy When the contributor promises to deliver; no later than the delivery deadline.
    /// @param promiseURI Where the promise document can be read.
    /// @param confidenceBps The contributor's stated chance of success in basis points (0 = not stated,
    /// at most 10000); only emitted, never stored, so that records can score calibration against verdicts.
    function accept(
        uint256 challengeId,
        Challenge calldata challenge,
        bytes32 promiseHash,
        uint40 promisedBy,
        string calldata promiseURI,
        uint16 confidenceBps
    ) external payable;

    /// @notice Submits the deliverable, once, by the contributor, before the delivery deadline.
    /// @param challengeId The challenge.
    /// @param challenge Its record (deliverable zero).
    /// @param deliverable The deliverable's hash; the verdicts are signed over it.
    /// @param deliverableURI Where the deliverable can be read.
    function submit(
        uint256 challengeId,
        Challenge calldata challenge,
        bytes32 deliverable,
        string calldata deliverableURI
    ) external;

    /// @notice Settles a submitted challenge with a quorum of the panel's signed verdicts, or an appealed one with a
    /// quorum of the appeal panel's. Anyone may call.
    /// @dev Pays `(reward + stake) * score / 10000` (rounded down) to the contributor and the exact rest to the funder.
    /// A challenge with a review fee pays it to `signers` of the panel's verdict. A challenge with an appeal window is
    /// not paid on the panel's verdict: it is recorded (Ruled) and pays when the window closes unused (`finalize`).
    /// If it is appealed (Appealed), the appeal panel's verdict, by the deadline, pays instead: signed as
    /// AppealVerdict(challengeId, deliverable, score), a type no first-round signature satisfies. The bond goes back to
    /// the appellant if the score moved their way (down for the creator, up for the contributor), else to the other
    /// party.
    /// @param challengeId The challenge.
    /// @param challenge Its record.
    /// @param score The verdict's score in basis points (0 = fail, 10000 = full pass).
    /// @param signers The signing panel members, in strictly increasing address order.
    /// @param signatures Their signatures over Verdict(challengeId, challenge.deliverable, score) (AppealVerdict for an
    /// appealed challenge), in the same order:
    /// 65 bytes from a key, or whatever a contract wallet's ERC-1271 `isValidSignature` accepts (a Safe: its
    /// owners' signatures of the verdict's digest as a SafeMessage).
    function settle(
        uint256 challengeId,
        Challenge calldata challenge,
        uint16 score,
        address[] calldata signers,
        bytes[] calldata signatures
    ) external;

    /// @notice Opens an appeal against a recorded verdict, before its appeal window closes, escrowing the bond
    /// (`stakeFor(reward, appealBondBps)`: send it as ether, or approve the token first). The creator or the
    /// contributor only; the appeal panel then has the challenge's review window to rule (`settle`).
    /// @param challengeId The challenge, Ruled.
    /// @param challenge Its record.
    function appeal(uint256 challengeId, Challenge calldata challenge) external payable;

    /// @notice Pays a recorded verdict that can no longer change: a Ruled challenge whose appeal window has passed,
    /// or an Appealed one whose appeal panel did not rule by its deadline (the bond then goes back to the appellant).
    /// Anyone may call.
    /// @param challengeId The challenge.
    /// @param challenge Its record.
    function finalize(uint256 challengeId, Challenge calldata challenge) external;

    /// @notice Closes a challenge whose current deadline has passed. Anyone may call.
    /// @dev Open becomes Expired (reward to the funder); Accepted becomes Defaulted (reward and stake to the
    /// funder); Submitted becomes Unreviewed (stake back to the contributor with the challenge's Unreviewed share of the
    /// reward, rounded down, the rest of the reward to the funder). "The funder"
    /// here and below is the funders' side: with co-funders, it is shared by contribution (see `fund`).
    /// @param challengeId The challenge.
    /// @param challenge Its record.
    function lapse(uint256 challengeId, Challenge calldata challenge) external;

    /// @notice Cancels an open challenge, crediting the reward back to the funder. Funder only.
    /// @param challengeId The challenge.
    /// @param challenge Its record.
    function cancel(uint256 challengeId, Challenge calldata challenge) external;

    /// @notice Abandons an accepted challenge before its delivery deadline; the stake is forfeited to the
    /// funder. The challenge re-opens if accept-by has not passed, and expires otherwise. Contributor only.
    /// @param challengeId The challenge.
    /// @param challenge Its record.
    function abandon(uint256 challengeId, Challenge calldata challenge) external;

    /// @notice Adds `amount` to an open challenge's reward, in its token (send it as ether, or approve the token
    /// first), before anyone has accepted it and by its accept-by time. Anyone may fund except the panel's
    /// evaluators (`AnteFunderOnPanel`) and the designated contributor (`AnteSelfDealing`). The record's reward
    /// becomes the new total, so an acceptance signs off on exactly the total its accepter saw, and the stake is
    /// computed on it. There is no way to take a contribution back: only the creator cancels.
    /// @dev A co-funder's contribution is recorded; when the challenge closes, whatever goes back to the funders'
    /// side (a cancel's or an expiry's refund, a default's reward and stake, the funders' part of a verdict, the
    /// reward of an Unreviewed challenge, abandoned stakes) is shared by contribution: the creator's share is
    /// credited at once, each co-funder's with `claim`. A co-funder may not then accept the challenge.
    /// @param challengeId The challenge.
    /// @param challenge Its record (contributor and deliverable zero), as rebuilt from the events.
    /// @param amount What to add, in the token's smallest unit.
    function fund(uint256 challengeId, Challenge calldata challenge, uint128 amount) external payable;

    /// @notice Credits a co-funder's share of a closed challenge's funders' side: what went back to the funders,
    /// times the co-funder's contribution, divided by the reward (rounded down). The rounding remainders all
    /// reach the creator: one wei at a time, as the claims that complete one are made. Anyone may call; the
    /// credit is the co-funder's. Costs the same whatever the number of funders.
    /// @param challengeId The challenge, in a final state (Settled, Cancelled, Expired, Defaulted or Unreviewed).
    /// @param challenge Its record.
    /// @param funder The co-funder.
    /// @return amount What was credited to `funder`.
    function claim(uint256 challengeId, Challenge calldata challenge, address funder) external returns (uint256 amount);

    /// @notice Sends the caller everything credited to them in `token` (the zero address for ether).
    /// @param token The token to withdraw.
    /// @return amount What was sent.
    function withdraw(address token) external returns (uint256 amount);

    /// @notice Sends everything credited to the caller in `token` to `to` instead: for a payee that the
    /// token blocklists, or a contract that cannot take ether. `Withdrawn` names the caller, whose credit
    /// it was; the payment itself names `to`. Ante itself is refused (the tokens would be owed to no one).
    /// @param token The token to withdraw.
    /// @param to Who receives it.
    /// @return amount What was sent.
    function withdrawTo(address token, address to) external returns (uint256 amount);

    /*//////////////////////////////////////////////////////////////
                                VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @notice The seal a record must have to be accepted for a challenge.
    function sealOf(Challenge calldata challenge) external pure returns (uint200);

    /// @notice A challenge's state, current deadline and seal.
    function challengeStatus(uint256 challengeId) external view returns (State state, uint40 deadline, uint200 seal);

    /// @notice What a challenge's co-funders (everyone but the creator) have contributed in all, and, once it has
    /// closed, everything its funders' side received (before, the stakes abandoned so far); zero if never co-funded.
    function funding(uint256 challengeId) external view returns (uint128 coFunded, uint256 shared);

    /// @notice What `funder` co-funded in a challenge and has not yet claimed a share for.
    function contribution(uint256 challengeId, address funder) external view returns (uint256);

    /// @notice A challenge's options: its own if created with `createWithOptions`, else the defaults (among them
    /// the Unreviewed share, `DEFAULT_UNREVIEWED_BPS`).
    function optionsOf(uint256 challengeId) external view returns (Options memory);

    /// @notice How many challenges exist; ids run from 1 to this number.
    function challengeCount() external view returns (uint256);

    /// @notice How many panels exist; ids run from 1 to this number.
    function panelCount() external view returns (uint32);

    /// @notice A panel's members (in creation order) and threshold; empty and zero for an unknown id.
    function panel(uint32 panelId) external view returns (address[] memory members, uint8 threshold);

    /// @notice Whether `account` is one of a panel's evaluators.
    function isPanelMember(uint32 panelId, address account) external view returns (bool);

    /// @notice What `account` can withdraw in `token` (zero address for ether).
    function credit(address token, address account) external view returns (uint256);
}
