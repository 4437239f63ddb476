// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Hostile test double: an account (funder or contributor) that, when paid ether, calls back into
/// the contract that paid it. It records what the re-entrant call returned instead of failing, so a test
/// can see that the outer payment went through once and the re-entry was refused.
contract ReentrantReceiver {
    address public target;
    bytes public reentryCall;
    bool public reentered;
    bool public reentrySucceeded;
    bytes public reentryError;

    /// @notice Calls `target` with `data` and `msg.value`, bubbling up any revert.
    function execute(address target_, bytes calldata data) external payable returns (bytes memory) {
        (bool ok, bytes memory result) = target_.call{value: msg.value}(data);
        if (!ok) {
            assembly {
                revert(add(result, 32), mload(result))
            }
        }
        return result;
    }

    /// @notice Arms the receiver: the next ether it receives triggers `data` on `target_`.
    function arm(address target_, bytes calldata data) external {
        target = target_;
        reentryCall = data;
    }

    receive() external payable {
        if (target == address(0) || reentered) return;
        reentered = true;
        (bool ok, bytes memory result) = target.call(reentryCall);
        reentrySucceeded = ok;
        reentryError = result;
    }
}
