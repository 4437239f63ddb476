// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Hostile test double: a token that transfers in full until its fee is switched on, then burns `feeBps`
/// basis points of every transfer, so the receiver gets less than was sent (a token whose terms change after a
/// challenge was posted in it).
contract SwitchableFeeToken is ERC20 {
    uint16 public feeBps;

    constructor() ERC20("Switchable Fee", "SWF") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setFee(uint16 feeBps_) external {
        feeBps = feeBps_;
    }

    function _update(address from, address to, uint256 value) internal override {
        uint256 fee = value * feeBps / 10_000;
        if (from == address(0) || to == address(0) || fee == 0) {
            super._update(from, to, value);
            return;
        }
        super._update(from, address(0), fee);
        super._update(from, to, value - fee);
    }
}
