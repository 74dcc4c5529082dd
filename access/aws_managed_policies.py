"""Documents of the AWS managed policies the platform's roles attach, which no template holds.

Only what the templates use: aws-cdk-lib attaches AWSLambdaBasicExecutionRole to the roles of its
custom-resource providers. Any other AWS managed policy makes a journey of that role an error
until its document is written here (from the IAM console or `aws iam get-policy-version`).
"""

from __future__ import annotations

from collections.abc import Mapping

from access.documents import NamedPolicy

AWS_MANAGED_POLICIES: Mapping[str, NamedPolicy] = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole": NamedPolicy(
        "AWSLambdaBasicExecutionRole",
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": "*",
                }
            ],
        },
    ),
}
