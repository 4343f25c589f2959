#!/usr/bin/env python3
"""Writes the `amisim fit` fixtures in this directory, in the shapes AWS
documents (Image Builder's ListWorkflowStepExecutions and
ListWorkflowExecutions, EventBridge's "EBS Snapshot Notification" and "EC2
AMI State Change" events, EC2's DescribeSnapshots, CloudTrail records).
The durations are drawn from known models at a fixed seed, so the tests
can check what the fit recovers. Run: python3 tests/fit/make_fixtures.py
"""
import json, math, os, random
from datetime import datetime, timedelta, timezone

here = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(20261130)
T0 = datetime(2026, 10, 5, 6, 0, 0, tzinfo=timezone.utc)
ACCOUNT = "111122223333"

def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"

def lognormal(median, sigma):
    return median * math.exp(rng.gauss(0, sigma))

def hexid(n):
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))

# Image Builder: 24 images, each a build and a test workflow execution.
ib = os.path.join(here, "imagebuilder")
os.makedirs(ib, exist_ok=True)
for i in range(24):
    start = T0 + timedelta(days=i)
    image = f"arn:aws:imagebuilder:us-east-1:{ACCOUNT}:image/golden-al2023/1.0.{i}/1"
    build_id, test_id = f"wf-{hexid(8)}-{hexid(4)}-{hexid(4)}-{hexid(4)}-{hexid(12)}", f"wf-{hexid(8)}-{hexid(4)}-{hexid(4)}-{hexid(4)}-{hexid(12)}"
    def steps(kind, t, plan):
        out = []
        for name, action, dur, status, message in plan:
            end = t + timedelta(seconds=dur)
            out.append({
                "stepExecutionId": f"step-{hexid(8)}-{hexid(4)}-{hexid(4)}-{hexid(4)}-{hexid(12)}",
                "name": name,
                "description": f"{name} ({kind})",
                "action": action,
                "status": status,
                "rollbackStatus": "SKIPPED",
                "message": message,
                "startTime": iso(t),
                "endTime": iso(end),
            })
            t = end
        return out, t
    build_plan = [
        ("LaunchBuildInstance", "LaunchInstance", lognormal(150, 0.35), "COMPLETED", "Instance launched and SSM agent online"),
        ("ApplyBuildComponents", "ExecuteComponents", lognormal(900, 0.25), "COMPLETED", ""),
        ("InventoryCollection", "CollectImageMetadata", 0.0, "SKIPPED", "Inventory collection is not enabled"),
        ("RunSanitizeScript", "RunCommand", lognormal(12, 0.4), "COMPLETED", ""),
        ("CreateOutputAMI", "CreateImage", lognormal(600, 0.3), "COMPLETED", ""),
        ("TerminateBuildInstance", "TerminateInstance", lognormal(40, 0.3), "COMPLETED", ""),
    ]
    b, t = steps("build", start, build_plan)
    test_dur = lognormal(500, 0.3)
    timed_out = i == 7
    test_plan = [
        ("LaunchTestInstance", "LaunchInstance", lognormal(150, 0.35), "COMPLETED", "Instance launched and SSM agent online"),
        ("ApplyTestComponents", "ExecuteComponents", 720.0 if timed_out else test_dur,
         "FAILED" if timed_out else "COMPLETED", "Step timed out" if timed_out else ""),
        ("TerminateTestInstance", "TerminateInstance", lognormal(40, 0.3), "COMPLETED", ""),
    ]
    tst, t2 = steps("test", t + timedelta(seconds=5), test_plan)
    for wid, kind, st, wf in [(build_id, "build", b, "build-image/1.0.2"), (test_id, "test", tst, "test-image/1.0.1")]:
        doc = {
            "requestId": f"{hexid(8)}-{hexid(4)}-{hexid(4)}-{hexid(4)}-{hexid(12)}",
            "workflowBuildVersionArn": f"arn:aws:imagebuilder:us-east-1:aws:workflow/{kind}/{wf}/1",
            "workflowExecutionId": wid,
            "imageBuildVersionArn": image,
            "message": "",
            "steps": st,
        }
        with open(os.path.join(ib, f"image-{i:02d}-{kind}-steps.json"), "w") as f:
            json.dump(doc, f, indent=4)
    execs = {
        "requestId": f"{hexid(8)}-{hexid(4)}-{hexid(4)}-{hexid(4)}-{hexid(12)}",
        "workflowExecutions": [
            {"workflowBuildVersionArn": "arn:aws:imagebuilder:us-east-1:aws:workflow/build/build-image/1.0.2/1",
             "workflowExecutionId": build_id, "type": "BUILD", "status": "COMPLETED", "message": "",
             "totalStepCount": 6, "totalStepsSucceeded": 5, "totalStepsFailed": 0, "totalStepsSkipped": 1,
             "startTime": b[0]["startTime"], "endTime": b[-1]["endTime"], "parallelGroup": ""},
            {"workflowBuildVersionArn": "arn:aws:imagebuilder:us-east-1:aws:workflow/test/test-image/1.0.1/1",
             "workflowExecutionId": test_id, "type": "TEST", "status": "FAILED" if timed_out else "COMPLETED", "message": "",
             "totalStepCount": 3, "totalStepsSucceeded": 2 if timed_out else 3, "totalStepsFailed": 1 if timed_out else 0,
             "totalStepsSkipped": 0, "startTime": tst[0]["startTime"], "endTime": tst[-1]["endTime"], "parallelGroup": ""},
        ],
        "imageBuildVersionArn": image,
        "message": "",
    }
    with open(os.path.join(ib, f"image-{i:02d}-executions.json"), "w") as f:
        json.dump(execs, f, indent=4)

# EBS: snapshots of varied sizes, and their copies to two Regions.
OVERHEAD, RATE = 90.0, 60.0  # s, MiB/s median; sigma 0.4
def transfer(gib):
    return OVERHEAD + gib * 1024 / lognormal(RATE, 0.4)
snapshots, events = [], []
for i in range(30):
    gib = rng.choice([8, 16, 30, 50, 80, 120, 200]) * rng.uniform(0.4, 0.9)
    t = T0 + timedelta(days=i, hours=1)
    d = transfer(gib)
    sid = f"snap-0{hexid(16)}"
    snapshots.append({
        "Description": f"Created by CreateImage(i-0{hexid(16)}) for ami-0{hexid(16)}",
        "Encrypted": True, "KmsKeyId": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/mrk-{hexid(32)}",
        "OwnerId": ACCOUNT, "Progress": "100%", "SnapshotId": sid,
        "StartTime": iso(t), "CompletionTime": iso(t + timedelta(seconds=d)), "State": "completed",
        "VolumeId": f"vol-0{hexid(16)}", "VolumeSize": 250,
        "FullSnapshotSizeInBytes": int(gib * (1 << 30)), "StorageTier": "standard", "TransferType": "standard",
    })
    events.append({
        "version": "0", "id": f"{hexid(8)}-{hexid(4)}-{hexid(4)}-{hexid(4)}-{hexid(12)}",
        "detail-type": "EBS Snapshot Notification", "source": "aws.ec2", "account": ACCOUNT,
        "time": iso(t + timedelta(seconds=d)), "region": "us-east-1",
        "resources": [f"arn:aws:ec2::us-east-1:snapshot/{sid}"],
        "detail": {"event": "createSnapshot", "result": "succeeded", "cause": "", "request-id": "",
                   "snapshot_id": f"arn:aws:ec2::us-east-1:snapshot/{sid}",
                   "source": f"arn:aws:ec2::us-east-1:volume/vol-0{hexid(16)}",
                   "startTime": iso(t), "endTime": iso(t + timedelta(seconds=d))},
    })
    for dest in ["eu-west-1", "ap-southeast-2"]:
        c0 = t + timedelta(seconds=d + rng.uniform(5, 30))
        incremental = i % 10 == 9
        cd = transfer(gib * (0.1 if incremental else 1.0))
        events.append({
            "version": "0", "id": f"{hexid(8)}-{hexid(4)}-{hexid(4)}-{hexid(4)}-{hexid(12)}",
            "detail-type": "EBS Snapshot Notification", "source": "aws.ec2", "account": ACCOUNT,
            "time": iso(c0 + timedelta(seconds=cd)), "region": dest,
            "resources": [f"arn:aws:ec2::{dest}:snapshot/snap-0{hexid(16)}"],
            "detail": {"event": "copySnapshot", "result": "succeeded", "cause": "", "request-id": "",
                       "snapshot_id": f"arn:aws:ec2::{dest}:snapshot/snap-0{hexid(16)}",
                       "source": f"arn:aws:ec2::us-east-1:snapshot/{sid}",
                       "startTime": iso(c0), "endTime": iso(c0 + timedelta(seconds=cd)),
                       "Incremental": "true" if incremental else "false"},
        })
events.append({
    "version": "0", "id": f"{hexid(8)}-{hexid(4)}-{hexid(4)}-{hexid(4)}-{hexid(12)}",
    "detail-type": "EBS Snapshot Notification", "source": "aws.ec2", "account": ACCOUNT,
    "time": iso(T0), "region": "us-east-1", "resources": [],
    "detail": {"event": "copySnapshot", "result": "failed",
               "cause": "Snapshot snap-01234567 does not exist.", "request-id": "",
               "snapshot_id": "arn:aws:ec2::us-east-1:snapshot/snap-01234567",
               "source": "arn:aws:ec2::eu-west-1:snapshot/snap-76543210",
               "startTime": iso(T0), "endTime": iso(T0 + timedelta(seconds=3))},
})
with open(os.path.join(here, "ebs-events.jsonl"), "w") as f:
    for e in events:
        f.write(json.dumps(e) + "\n")
with open(os.path.join(here, "describe-snapshots.json"), "w") as f:
    json.dump({"Snapshots": snapshots}, f, indent=4)

# CloudTrail CreateImage and CopyImage, and the AMI state changes.
records, changes = [], []
for i in range(25):
    t = T0 + timedelta(days=i, hours=2)
    for name, region, src, dur in [("CreateImage", "us-east-1", None, lognormal(600, 0.3)),
                                   ("CopyImage", "eu-west-1", "us-east-1", lognormal(1500, 0.4))]:
        req = f"{hexid(8)}-{hexid(4)}-{hexid(4)}-{hexid(4)}-{hexid(12)}"
        ami = f"ami-0{hexid(16)}"
        params = {"instanceId": f"i-0{hexid(16)}", "name": f"golden-{i}", "noReboot": False} if name == "CreateImage" else \
            {"sourceRegion": src, "sourceImageId": f"ami-0{hexid(16)}", "name": f"golden-{i}", "encrypted": True,
             "kmsKeyId": f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/mrk-{hexid(32)}"}
        records.append({
            "eventVersion": "1.09", "userIdentity": {"type": "AssumedRole", "accountId": ACCOUNT},
            "eventTime": t.strftime("%Y-%m-%dT%H:%M:%SZ"), "eventSource": "ec2.amazonaws.com", "eventName": name,
            "awsRegion": region, "sourceIPAddress": "imagebuilder.amazonaws.com",
            "userAgent": "imagebuilder.amazonaws.com", "requestParameters": params,
            "responseElements": {"requestId": req, "imageId": ami}, "requestID": req,
            "eventID": f"{hexid(8)}-{hexid(4)}-{hexid(4)}-{hexid(4)}-{hexid(12)}",
            "readOnly": False, "eventType": "AwsApiCall", "managementEvent": True,
            "recipientAccountId": ACCOUNT,
        })
        changes.append({
            "version": "0", "id": f"{hexid(8)}-{hexid(4)}-{hexid(4)}-{hexid(4)}-{hexid(12)}",
            "detail-type": "EC2 AMI State Change", "source": "aws.ec2", "account": ACCOUNT,
            "time": (t + timedelta(seconds=dur)).strftime("%Y-%m-%dT%H:%M:%SZ"), "region": region,
            "resources": [f"arn:aws:ec2:{region}::image/{ami}"],
            "detail": {"RequestId": req, "ImageId": ami, "State": "available", "ErrorMessage": ""},
        })
with open(os.path.join(here, "cloudtrail.json"), "w") as f:
    json.dump({"Records": records}, f, indent=4)
with open(os.path.join(here, "ami-state-changes.json"), "w") as f:
    json.dump(changes, f, indent=4)
