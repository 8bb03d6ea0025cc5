"""The paid-booking hold timers' resources (chalicelib/integrations/hold_timers.py): one
EventBridge Scheduler schedule group the API function makes one-time schedules in, and
the role Scheduler runs them as, which may only publish to the booking-events topic.

A group of their own keeps the API's `scheduler:CreateSchedule` to these schedules, and
lets an operator see (or delete) every pending hold at once. Nothing here is billed
while idle: a group is free, and a schedule costs per invocation.
"""

from __future__ import annotations

from typing import Any

HOLD_SCHEDULE_GROUP = "HoldScheduleGroup"
HOLD_SCHEDULER_ROLE = "HoldSchedulerRole"
SCHEDULER = "scheduler.amazonaws.com"

# The API function and the payments worker read these (chalicelib/settings.py); only the
# API schedules a hold, but both build the same PaymentService
# (chalicelib/bootstrap/payments.py).
HOLD_TIMER_ENVIRONMENT = {
    "PENNY_HOLD_SCHEDULER_ROLE_ARN": {"Fn::GetAtt": [HOLD_SCHEDULER_ROLE, "Arn"]},
    "PENNY_HOLD_SCHEDULE_GROUP": {"Ref": HOLD_SCHEDULE_GROUP},
}

# What the API function's role names (infra/functions.py): schedules in the group, and
# handing Scheduler the role (iam:PassRole, to Scheduler alone).
SCHEDULES_ARN = {"Fn::Sub": "arn:${AWS::Partition}:scheduler:${AWS::Region}:"
                            f"${{AWS::AccountId}}:schedule/${{{HOLD_SCHEDULE_GROUP}}}/*"}
SCHEDULER_ROLE_ARN = {"Fn::GetAtt": [HOLD_SCHEDULER_ROLE, "Arn"]}
PASSED_TO_SCHEDULER = {"StringEquals": {"iam:PassedToService": SCHEDULER}}


def hold_timer_resources() -> dict[str, Any]:
    # Scheduler assumes the role for this account's schedules in this group only (the
    # confused-deputy guard AWS's Scheduler guide gives).
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": SCHEDULER}, "Action": "sts:AssumeRole",
        "Condition": {
            "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
            "ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [HOLD_SCHEDULE_GROUP, "Arn"]}}}}]}
    publish = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": ["sns:Publish"], "Resource": [{"Ref": "EventsTopic"}]}]}
    return {
        HOLD_SCHEDULE_GROUP: {"Type": "AWS::Scheduler::ScheduleGroup", "Properties": {
            "Name": {"Fn::Sub": "${AWS::StackName}-holds"}}},
        HOLD_SCHEDULER_ROLE: {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": trust,
            "Policies": [{"PolicyName": "PublishHoldExpired", "PolicyDocument": publish}]}},
    }
