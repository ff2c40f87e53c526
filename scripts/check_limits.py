#!/usr/bin/env python3
"""Check that a CloudFormation template `serverless package` built carries the
load limits of serverless.yml's defaults (scripts/check-deploy.sh runs it):

- the function's reserved concurrency (reservedConcurrency);
- http: the HTTP API stage's default route throttling (throttleRateLimit,
  throttleBurstLimit), and no usage plan;
- rest: the usage plan's throttle, the same two values.

Usage: python scripts/check_limits.py http|rest path/to/cloudformation-template-update-stack.json
Exit 0 when they are there, 1 (with what is missing) otherwise.
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.serverless import serverless_default  # noqa: E402


def default(param: str) -> float:
    return float(serverless_default(param))


def resources_of_type(resources: dict, kind: str) -> list[dict]:
    return [resource.get("Properties", {}) for resource in resources.values() if resource["Type"] == kind]


def problems(api: str, template: dict) -> list[str]:
    resources = template["Resources"]
    rate, burst = default("throttleRateLimit"), default("throttleBurstLimit")
    found = []
    functions = resources_of_type(resources, "AWS::Lambda::Function")
    if [float(f.get("ReservedConcurrentExecutions", -1)) for f in functions] != [default("reservedConcurrency")]:
        found.append(f"reserved concurrency: {[f.get('ReservedConcurrentExecutions') for f in functions]}")
    plans = resources_of_type(resources, "AWS::ApiGateway::UsagePlan")
    if api == "http":
        stages = resources_of_type(resources, "AWS::ApiGatewayV2::Stage")
        settings = [stage.get("DefaultRouteSettings", {}) for stage in stages]
        limits = [(float(s.get("ThrottlingRateLimit", -1)), float(s.get("ThrottlingBurstLimit", -1))) for s in settings]
        if limits != [(rate, burst)]:
            found.append(f"HTTP API stage throttling: {settings}")
        if plans:
            found.append("a usage plan in the HTTP API variant")
    else:
        throttles = [plan.get("Throttle", {}) for plan in plans]
        limits = [(float(t.get("RateLimit", -1)), float(t.get("BurstLimit", -1))) for t in throttles]
        if limits != [(rate, burst)]:
            found.append(f"usage plan throttle: {throttles}")
    return found


def main() -> int:
    api, path = sys.argv[1], sys.argv[2]
    found = problems(api, json.loads(Path(path).read_text()))
    if found:
        print(f"{api} template lacks serverless.yml's load limits: " + "; ".join(found))
        return 1
    print(
        f"ok: {api} template throttles at {default('throttleRateLimit'):g}/s (burst {default('throttleBurstLimit'):g}), "
        f"reserved concurrency {default('reservedConcurrency'):g}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
