"""The Ante oracle service (installed as ``ante.oracle``)."""
