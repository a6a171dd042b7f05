"""The config's named choices and the CDK values they mean: each list exists once, here."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_logs as logs

__all__ = ["HEALTH_CHECK_PROTOCOLS", "LOG_RETENTIONS", "REMOVAL_POLICIES", "TARGET_TYPES"]

LOG_RETENTIONS: dict[int, logs.RetentionDays] = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    2192: logs.RetentionDays.SIX_YEARS,
    2557: logs.RetentionDays.SEVEN_YEARS,
    2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}
"""``log_retention_days`` values and the CloudWatch Logs retention each means: the only list."""

TARGET_TYPES = {"ip": elbv2.TargetType.IP, "instance": elbv2.TargetType.INSTANCE, "alb": elbv2.TargetType.ALB}
"""``target_type`` values."""

HEALTH_CHECK_PROTOCOLS = {
    "tcp": elbv2.Protocol.TCP,
    "http": elbv2.Protocol.HTTP,
    "https": elbv2.Protocol.HTTPS,
}
"""``health_check.protocol`` values."""

REMOVAL_POLICIES = {"retain": RemovalPolicy.RETAIN, "destroy": RemovalPolicy.DESTROY}
"""``removal_policy`` values: what ``cdk destroy`` does with keys and log groups."""
