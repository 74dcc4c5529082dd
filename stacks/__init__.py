"""Stacks of one environment-region, and the Stage that composes them."""
