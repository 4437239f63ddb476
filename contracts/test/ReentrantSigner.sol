// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ReentrantReceiver} from "./ReentrantReceiver.sol";

/// @notice Hostile test double: a contract wallet on a panel that accepts any signature through ERC-1271
/// `isValidSignature` (so it can be a verdict's signer and be credited a review fee share), and that, when paid
/// ether, calls back into the contract that paid it, as `ReentrantReceiver` does.
contract ReentrantSigner is ReentrantReceiver {
    function isValidSignature(bytes32, bytes calldata) external pure returns (bytes4) {
        return 0x1626ba7e;
    }
}
