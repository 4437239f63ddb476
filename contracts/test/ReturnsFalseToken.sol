// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Hostile test double: an ERC-20 whose transfer and transferFrom move nothing and return false.
contract ReturnsFalseToken {
    string public constant name = "Returns False";
    string public constant symbol = "RFT";
    uint8 public constant decimals = 18;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        return true;
    }

    function transfer(address, uint256) external pure returns (bool) {
        return false;
    }

    function transferFrom(address, address, uint256) external pure returns (bool) {
        return false;
    }
}
