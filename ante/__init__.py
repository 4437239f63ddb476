"""Ante: staked bounties judged by an m-of-n panel of evaluators.

The core package shared by the command line (``ante.cli``) and the oracle (``ante.oracle``).
"""

__version__ = "0.1.0"
