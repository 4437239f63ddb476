// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Hostile test double: an ERC-20 whose transferFrom calls back into a target (an ERC-777-style
/// hook) before moving the tokens, recording whether the re-entrant call succeeded.
contract ReentrantToken is ERC20 {
    address public target;
    bytes public reentryCall;
    bool public reentrySucceeded;
    bytes public reentryError;

    constructor() ERC20("Reentrant", "REN") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function arm(address target_, bytes calldata data) external {
        target = target_;
        reentryCall = data;
    }

    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        if (target != address(0)) {
            address t = target;
            target = address(0);
            (bool ok, bytes memory result) = t.call(reentryCall);
            reentrySucceeded = ok;
            reentryError = result;
        }
        return super.transferFrom(from, to, value);
    }
}
