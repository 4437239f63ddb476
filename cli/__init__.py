"""The `ante` command-line interface (installed as ``ante.cli``)."""
