#!/usr/bin/env bash
# e2e_doctor.sh [PROJECT_DIR]: deploy the default app into the local AWS emulator with the project's own
# CDK CLI (cdk deploy --all, as the README says), then run privatelink-cdk doctor and handoff against it, the way a
# user would, and check what they report:
#   1. doctor --provider-stack ProviderStack --consumer-stack ConsumerStack --json exits 1, every non-pass check
#      has a fix, and consumer.endpoint fails with pendingAcceptance (the default demo requires acceptance and
#      has no auto-acceptor), its fix naming the accept command;
#   2. doctor --fix accepts the endpoint, checks again, and consumer.endpoint passes;
#   3. handoff --provider-stack and --consumer-stack write files read_handoff / read_consumer_note accept.
#      A consumer config with from_handoff: <that file> deploys, and the doctor finds it linked to the provider.
#   4. with the consumer's probe on (consumers[0].probe: true), doctor --probe finds it by its ProbeFunction output
#      and reports each name and port it tried.
# Before 1, it checks the doctor reports the emulator's one known gap on these stacks (a VPC's DNS hostnames stay
# off whatever the template says) and applies the fix the doctor prints, as a user would.
# Prints PASS/FAIL per step and leaves every output (JSON, text, CLI logs) in the work dir it names. Takes
# /tmp/e2e.lock itself (the emulator setup is shared with ../shared/e2e/deploy-cycle.sh). Uses the emulator of
# /work/shared/e2e (moto 5.2.5 + patches): no IAM, no data plane, no schedules, targets always healthy.
set -uo pipefail
REPO=$(cd "${1:-$(dirname "$0")/..}" && pwd)
E2E=${E2E_DIR:-/work/shared/e2e}
if [ -z "${E2E_DOCTOR_LOCKED:-}" ]; then
  exec env E2E_DOCTOR_LOCKED=1 flock /tmp/e2e.lock "$0" "$REPO"
fi
CACHE=${E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/privatelink-e2e}
WORK=${E2E_WORK:-$(mktemp -d)}
echo "work dir: $WORK"
failures=0
check() {  # check NAME CONDITION-COMMAND...
  local name=$1; shift
  if "$@"; then echo "PASS $name"; else echo "FAIL $name"; failures=$((failures + 1)); fi
}
logged() {  # logged LOGFILE COMMAND...: run it with its output in LOGFILE
  local log=$1; shift
  "$@" > "$log" 2>&1
}

make -C "$REPO" synth > "$WORK/make_synth.log" 2>&1 || { echo "FAIL make synth (see $WORK/make_synth.log)"; exit 1; }
if [ ! -x "$CACHE/motovenv/bin/python" ]; then
  echo "no emulator venv in $CACHE: run $E2E/serve.sh or deploy-cycle.sh once to set it up"; exit 2
fi

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
env TMPDIR="$WORK" MOTO_ACCOUNT_ID=000000000000 MOTO_EXT_NODE="$REPO/.venv/bin/node" \
  MOTO_EXT_NODE_PATH="$CACHE/nodelambda/node_modules" \
  "$CACHE/motovenv/bin/python" "$E2E/moto_server_ext.py" -H 127.0.0.1 -p "$PORT" > "$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null' EXIT
for _ in $(seq 1 150); do curl -s -m 1 -o /dev/null "http://127.0.0.1:$PORT/moto-api/" && break; sleep 0.2; done

export HOME=$WORK/home; mkdir -p "$HOME"
export CDK_DISABLE_CLI_TELEMETRY=1 CDK_DISABLE_VERSION_CHECK=1 JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=1
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_PROFILE AWS_SESSION_TOKEN
export CDK_DEFAULT_ACCOUNT=000000000000 CDK_DEFAULT_REGION=us-east-1
export AWS_ENDPOINT_URL=http://localhost:$PORT   # "localhost": the emulator reads path-style template URLs only so
export PATH="$REPO/.venv/bin:$PATH"
cdk() { (cd "$REPO" && timeout 900 "$REPO/node_modules/.bin/cdk" "$@"); }
# The console script once the project is packaged (issue 7); the module until then.
if [ -x "$REPO/.venv/bin/privatelink-cdk" ]; then DOCTOR=("$REPO/.venv/bin/privatelink-cdk")
else DOCTOR=("$REPO/.venv/bin/python" -m privatelink_constructs.cli); fi

check "cdk bootstrap" logged "$WORK/bootstrap.log" cdk bootstrap aws://000000000000/us-east-1
check "cdk deploy --all" logged "$WORK/deploy.log" cdk deploy --all --require-approval never
py() { "$REPO/.venv/bin/python" - "$WORK" "$@"; }

# The emulator creates VPCs with DNS hostnames off whatever the template says (AWS honours the template's
# EnableDnsHostnames: true). The doctor must see that, and its fix must repair it: run the command it prints.
"${DOCTOR[@]}" doctor --consumer-stack ConsumerStack --json > "$WORK/doctor_raw.json" 2>&1
check "doctor sees the emulator's DNS hostnames off, and its fix turns them on" py <<'EOF'
import json, pathlib, shlex, sys
import boto3
checks = {c["id"]: c for c in json.loads((pathlib.Path(sys.argv[1]) / "doctor_raw.json").read_text())["checks"]}
check = checks["consumer.vpc-dns"]
assert check["status"] == "fail" and "enableDnsHostnames is off" in check["summary"], check
# The fix is an AWS CLI command; the AWS CLI is not installed here, so boto3 makes the same call.
words = shlex.split(check["fix"])
assert words[:3] == ["aws", "ec2", "modify-vpc-attribute"] and words[5] == "--enable-dns-hostnames", words
boto3.client("ec2").modify_vpc_attribute(VpcId=words[4], EnableDnsHostnames=json.loads(words[6]))
EOF

"${DOCTOR[@]}" doctor --provider-stack ProviderStack --consumer-stack ConsumerStack --json \
  > "$WORK/doctor.json" 2> "$WORK/doctor.err"
echo $? > "$WORK/doctor.rc"
"${DOCTOR[@]}" doctor --provider-stack ProviderStack --consumer-stack ConsumerStack > "$WORK/doctor.txt" 2>&1
check "doctor --json exits 1 with a fix for every non-pass" py <<'EOF'
import json, pathlib, sys
work = pathlib.Path(sys.argv[1])
assert (work / "doctor.rc").read_text().strip() == "1", (work / "doctor.rc").read_text()
checks = json.loads((work / "doctor.json").read_text())["checks"]
assert checks and all(c["status"] == "pass" or c["fix"] for c in checks)
assert {c["side"] for c in checks} == {"provider", "consumer", "link"}
EOF
check "doctor says the endpoint is pendingAcceptance, with the accept command" py <<'EOF'
import json, pathlib, sys
checks = {c["id"]: c for c in json.loads((pathlib.Path(sys.argv[1]) / "doctor.json").read_text())["checks"]}
endpoint = checks["consumer.endpoint"]
assert endpoint["status"] == "fail" and "pendingAcceptance" in endpoint["summary"], endpoint
assert "accept-vpc-endpoint-connections" in endpoint["fix"] and "--fix" in endpoint["fix"], endpoint
EOF

"${DOCTOR[@]}" doctor --provider-stack ProviderStack --consumer-stack ConsumerStack --fix --json \
  > "$WORK/doctor_fix.json" 2> "$WORK/doctor_fix.err"
check "doctor --fix accepts the endpoint and checks again" py <<'EOF'
import json, pathlib, sys
document = json.loads((pathlib.Path(sys.argv[1]) / "doctor_fix.json").read_text())
assert any(line.startswith("accepted vpce-") for line in document["fixed"]), document["fixed"]
checks = {c["id"]: c for c in document["checks"]}
assert checks["consumer.endpoint"]["status"] == "pass", checks["consumer.endpoint"]
EOF
"${DOCTOR[@]}" doctor --provider-stack ProviderStack --consumer-stack ConsumerStack > "$WORK/doctor_after.txt" 2>&1

"${DOCTOR[@]}" handoff --provider-stack ProviderStack > "$WORK/link.yaml" 2> "$WORK/handoff.err"
"${DOCTOR[@]}" handoff --consumer-stack ConsumerStack > "$WORK/endpoint.yaml" 2>> "$WORK/handoff.err"
check "handoff files read back" py <<'EOF'
import pathlib, sys
from privatelink_constructs.cli import read_consumer_note, read_handoff
work = pathlib.Path(sys.argv[1])
handoff, note = read_handoff(work / "link.yaml"), read_consumer_note(work / "endpoint.yaml")
assert handoff.ports == (5432,) and handoff.region == "us-east-1", handoff
assert note.principal == "arn:aws:iam::000000000000:root" and note.service_name == handoff.service_name, note
EOF

# A consumer from that handoff file, as another team would build it: a config with only from_handoff, its VPC and
# its peers (-c config=FILE, stack HandoffConsumer), deployed, then checked by the doctor against the provider.
py <<'EOF'
import json, pathlib, sys
work = pathlib.Path(sys.argv[1])
consumer = {
    "stack_name": "HandoffConsumer",
    "from_handoff": str(work / "link.yaml"),
    "vpc": {"cidr": "10.61.0.0/16", "max_azs": 2},
    "allowed_peers": [{"cidr": "10.61.0.0/16"}],
}
(work / "handoff_consumer.json").write_text(json.dumps({"consumers": [consumer]}, indent=2))
EOF
HANDOFF_APP=("-c" "config=$WORK/handoff_consumer.json" "--output" "cdk.out.handoff")
check "cdk deploy of a consumer built from the handoff file" logged "$WORK/deploy_handoff.log" \
  cdk deploy HandoffConsumer --require-approval never "${HANDOFF_APP[@]}"
"${DOCTOR[@]}" doctor --provider-stack ProviderStack --consumer-stack HandoffConsumer --json \
  > "$WORK/doctor_handoff.json" 2> "$WORK/doctor_handoff.err"
check "doctor: the handoff consumer connects to the provider's service on its ports" py <<'EOF'
import json, pathlib, sys
checks = {c["id"]: c for c in json.loads((pathlib.Path(sys.argv[1]) / "doctor_handoff.json").read_text())["checks"]}
assert checks["link.service"]["status"] == "pass", checks["link.service"]
assert checks["link.ports"]["status"] == "pass", checks["link.ports"]
assert checks["consumer.security-group"]["status"] == "pass", checks["consumer.security-group"]
EOF
check "cdk destroy of the handoff consumer" logged "$WORK/destroy_handoff.log" \
  cdk destroy HandoffConsumer --force "${HANDOFF_APP[@]}"

# The probe: the default config with consumers[0].probe: true (an update of ConsumerStack), deployed as a user
# would (-c config=FILE), then invoked through the doctor, which finds it by the ProbeFunction output. The emulator
# runs the function on this host, with no VPC data plane: the names do not resolve and the endpoint's addresses
# do not answer, so the probe's checks fail; what this proves is the deploy, the invocation and the report.
py "$REPO" <<'EOF'
import json, pathlib, sys
work, repo = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
config = json.loads((repo / "cdk.json").read_text())["context"]["privatelink"]
config["consumers"][0]["probe"] = True
(work / "probe.json").write_text(json.dumps(config, indent=2))
EOF
PROBE_APP=("-c" "config=$WORK/probe.json" "--output" "cdk.out.probe")
check "cdk deploy --all with the probe" logged "$WORK/deploy_probe.log" cdk deploy --all --require-approval never "${PROBE_APP[@]}"
"${DOCTOR[@]}" doctor --provider-stack ProviderStack --consumer-stack ConsumerStack --probe --json \
  > "$WORK/doctor_probe.json" 2> "$WORK/doctor_probe.err"
check "doctor --probe reports each name and port from the probe" py <<'EOF'
import json, pathlib, sys
checks = {c["id"]: c for c in json.loads((pathlib.Path(sys.argv[1]) / "doctor_probe.json").read_text())["checks"]}
names = [i for i in checks if i.startswith("probe.dns:")]
assert "probe.dns:db.example.internal" in names and len(names) == 2, sorted(checks)
assert "probe.tcp:5432" in checks, sorted(checks)
assert all(checks[i]["status"] == "pass" or checks[i]["fix"] for i in checks)
EOF
"${DOCTOR[@]}" doctor --provider-stack ProviderStack --consumer-stack ConsumerStack --probe \
  > "$WORK/doctor_probe.txt" 2>&1
check "cdk destroy --all" logged "$WORK/destroy.log" cdk destroy --all --force "${PROBE_APP[@]}"

echo
cat "$WORK/doctor.txt"
echo
cat "$WORK/doctor_after.txt"
echo
cat "$WORK/doctor_probe.txt"
echo "$failures failed"
exit $((failures > 0))
