"""Transition policy and requests of the IoT → DX move (issue 6)."""
