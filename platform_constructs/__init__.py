"""Reusable constructs, one architectural job per module.

Not named `constructs/`: a top-level package of that name shadows the `constructs` library that
aws-cdk-lib imports (aws/aws-cdk#19301).
"""
