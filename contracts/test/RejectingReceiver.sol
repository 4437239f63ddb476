// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Hostile test double: an account that refuses every ether payment.
contract RejectingReceiver {
    error RejectingReceiverRefused();

    /// @notice Calls `target` with `data` and `msg.value`, bubbling up any revert.
    function execute(address target, bytes calldata data) external payable returns (bytes memory) {
        (bool ok, bytes memory result) = target.call{value: msg.value}(data);
        if (!ok) {
            assembly {
                revert(add(result, 32), mload(result))
            }
        }
        return result;
    }

    receive() external payable {
        revert RejectingReceiverRefused();
    }
}
