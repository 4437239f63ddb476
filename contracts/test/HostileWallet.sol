// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Hostile test double: a contract wallet on a panel whose ERC-1271 `isValidSignature` misbehaves in
/// one of several ways, chosen by `mode`. Only `Accept` and `Long` answer the magic value as its first word.
contract HostileWallet {
    enum Mode {
        Accept, // answers the magic value to any hash and signature
        Revert, // reverts
        Empty, // returns nothing
        Short, // returns only the four bytes of the magic value
        WrongWord, // returns another selector
        DirtyWord, // returns the magic value with a stray bit in its padding
        Long, // returns the magic value, then another word
        BurnGas, // spends all the gas it is given
        WriteState, // writes to storage, which a static call forbids
        Reenter // calls back into the caller's withdraw, which a static call forbids
    }

    bytes4 private constant MAGIC = 0x1626ba7e;

    Mode public mode;
    uint256 public writes;

    constructor(Mode mode_) {
        mode = mode_;
    }

    function setMode(Mode mode_) external {
        mode = mode_;
    }

    // Not `view`: the modes that change state must compile, and the caller's static call must stop them.
    function isValidSignature(bytes32, bytes calldata) external returns (bytes4) {
        Mode m = mode;
        if (m == Mode.Accept) return MAGIC;
        if (m == Mode.Revert) revert("HostileWallet: no");
        if (m == Mode.Empty) {
            assembly {
                return(0, 0)
            }
        }
        if (m == Mode.Short) {
            assembly {
                mstore(0, shl(224, 0x1626ba7e))
                return(0, 4)
            }
        }
        if (m == Mode.WrongWord) return bytes4(0x1626ba7f);
        if (m == Mode.DirtyWord) {
            assembly {
                mstore(0, or(shl(224, 0x1626ba7e), 1))
                return(0, 32)
            }
        }
        if (m == Mode.Long) {
            assembly {
                mstore(0, shl(224, 0x1626ba7e))
                mstore(32, 0xdeadbeef)
                return(0, 64)
            }
        }
        if (m == Mode.BurnGas) {
            assembly {
                for {} 1 {} {}
            }
        }
        if (m == Mode.WriteState) {
            writes += 1;
            return MAGIC;
        }
        // Reenter: withdraw(address(0)) on the caller, then yes.
        (bool ok,) = msg.sender.call(abi.encodeWithSignature("withdraw(address)", address(0)));
        require(ok, "HostileWallet: reentry refused");
        return MAGIC;
    }
}
