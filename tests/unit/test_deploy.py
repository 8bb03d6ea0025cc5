"""`make deploy` and `make redrive` drive AWS through boto3, here against moto.

The embedded AWS is held to what AWS enforces where moto does not: CloudFormation refuses
a TemplateBody over 51,200 bytes (the packaged template is ~140 kB), and Lambda's
GetAccountSettings, which moto lacks, answers as a fresh account with the usual quota.
"""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.cloudformation.models import CloudFormationBackend, Stack, cloudformation_backends
from moto.core import DEFAULT_ACCOUNT_ID

from chalicelib.settings import SECRET_VARIABLES, Settings
from infra import deploy, redrive, stream_replay
from infra.deploy import Options
from infra.preflight import reserved_now
from infra.template import PARAMETERS

REGION = "us-east-1"
FUNCTION_URL = "https://abc.lambda-url.us-east-1.on.aws/"
WEBSOCKET_URL = "wss://ws1.execute-api.us-east-1.amazonaws.com/api/"
INLINE_LIMIT = 51_200


def refuse_large_inline_templates(params: dict[str, Any], model: Any, **_: Any) -> None:
    body = params.get("TemplateBody")
    if body is not None and len(body.encode()) > INLINE_LIMIT:
        raise ClientError({"Error": {"Code": "ValidationError", "Message": (
            "Templates with a size greater than 51,200 bytes must be deployed via an S3 "
            "Bucket")}}, model.name)


def account_settings(unreserved: int, quota: int | None = None) -> Any:
    def answer(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        limits = {"ConcurrentExecutions": quota or unreserved,
                  "UnreservedConcurrentExecutions": unreserved}
        return AWSResponse("https://lambda", 200, {}, None), {"AccountLimit": limits}
    return answer


def an_account(aws: boto3.Session, unreserved: int, quota: int | None = None) -> None:
    aws.events.unregister("before-call.lambda.GetAccountSettings", unique_id="account-settings")
    aws.events.register("before-call.lambda.GetAccountSettings",
                        account_settings(unreserved, quota), unique_id="account-settings")


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.Session]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    # Two gaps in moto 5.2.5 closed as AWS behaves. It computes a stack's outputs only for
    # CreateStack; AWS also does when a change set runs.
    execute = CloudFormationBackend.execute_change_set

    def execute_and_output(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
        execute(self, change_set_name, stack_name)
        (stack,) = self.describe_stacks(stack_name)
        stack._parse_template()
        stack.output_map = stack._create_output_map()

    monkeypatch.setattr(CloudFormationBackend, "execute_change_set", execute_and_output)
    # AWS keeps parameter values as the strings it was given; moto turns Number ones into
    # ints, so a UsePreviousValue of "10" would look like a change.
    resolved = Stack.stack_parameters
    monkeypatch.setattr(Stack, "stack_parameters", property(lambda self: {
        name: str(value) for name, value in resolved.fget(self).items()}))  # type: ignore[attr-defined]
    with mock_aws():
        session = boto3.Session(region_name=REGION)
        session.events.register("before-parameter-build.cloudformation",
                                refuse_large_inline_templates)
        session.events.register("before-call.lambda.GetAccountSettings", account_settings(1000),
                                unique_id="account-settings")
        session.client("s3").create_bucket(Bucket="artifacts")
        yield session


def packaged(directory: Path) -> Path:
    """A package shaped as `make package` writes it: SAM functions with a local CodeUri,
    the real stack parameters, and the size of the real template."""
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": "AWS::Serverless-2016-10-31",
        "Parameters": PARAMETERS,
        "Resources": {
            "APIHandler": {"Type": "AWS::Serverless::Function",
                           "Properties": {"CodeUri": "./deployment.zip", "Handler": "app.app"}},
            "EventsTopic": {"Type": "AWS::SNS::Topic", "Properties": {}},
        },
        "Outputs": {"PublicUrl": {"Value": FUNCTION_URL},
                    "WebsocketConnectEndpointURL": {"Value": WEBSOCKET_URL}},
        "Metadata": {"Size": "x" * 140_000},
    }
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "sam.json").write_text(json.dumps(template))
    (directory / "deployment.zip").write_bytes(b"PK code")
    return directory


def run(session: boto3.Session, tmp_path: Path, **options: Any) -> dict[str, str]:
    return deploy.deploy(session, Options(**{"stage": "prod", "bucket": "artifacts",
                                             "region": REGION, **options}),
                         packaged(tmp_path / "package"), wait={"Delay": 0, "MaxAttempts": 2})


def stack_parameters(session: boto3.Session) -> dict[str, str]:
    (found,) = session.client("cloudformation").describe_stacks(StackName="penny-prod")["Stacks"]
    return {p["ParameterKey"]: p["ParameterValue"] for p in found["Parameters"]}


def ssm_value(session: boto3.Session, name: str) -> str:
    found = session.client("ssm").get_parameter(Name=f"/penny/penny-prod/{name}",
                                                WithDecryption=True)
    return str(found["Parameter"]["Value"])


def test_the_embedded_aws_refuses_the_template_inline_as_aws_does(
        aws: boto3.Session, tmp_path: Path) -> None:
    body = (packaged(tmp_path) / "sam.json").read_text()
    with pytest.raises(ClientError, match="greater than 51,200 bytes"):
        aws.client("cloudformation").create_change_set(
            StackName="penny-prod", ChangeSetName="inline", TemplateBody=body,
            ChangeSetType="CREATE")


def test_a_first_deploy_sends_code_and_template_through_s3_and_creates_the_stack(
        aws: boto3.Session, tmp_path: Path) -> None:
    outputs = run(aws, tmp_path)

    s3 = aws.client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="artifacts")["Contents"]]
    (template_key,) = [k for k in keys if k.endswith("template.json")]
    uploaded = json.loads(s3.get_object(Bucket="artifacts", Key=template_key)["Body"].read())
    code = uploaded["Resources"]["APIHandler"]["Properties"]["CodeUri"]
    assert code["Bucket"] == "artifacts" and code["Key"].startswith("penny-prod/")
    assert s3.get_object(Bucket="artifacts", Key=code["Key"])["Body"].read() == b"PK code"
    assert stack_parameters(aws) == {"PointInTimeRecovery": "false", "ApiConcurrency": "10",
                                     "EmailSender": ""}
    assert outputs["PublicUrl"] == FUNCTION_URL.rstrip("/")
    assert ssm_value(aws, "public-url") == FUNCTION_URL.rstrip("/")


def test_a_first_deploy_creates_the_secrets_through_the_api_never_a_command_line(
        aws: boto3.Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_process(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"a process was started: {args}")

    monkeypatch.setattr(subprocess, "Popen", no_process)
    monkeypatch.setenv("PATH", str(tmp_path))  # and no `aws` to find

    run(aws, tmp_path)

    found = aws.client("ssm").get_parameter(Name="/penny/penny-prod/secrets")["Parameter"]
    assert found["Type"] == "SecureString"
    fresh = json.loads(ssm_value(aws, "secrets"))
    assert len(next(iter(fresh["jwt_keys"].values()))) >= 64
    assert len(fresh["link_secret"]) >= 64
    (token_key,) = fresh["token_keys"].values()
    assert len(base64.b64decode(token_key, validate=True)) == 32  # AES-256-GCM
    assert fresh["providers"] == {}  # every provider off until the operator adds it
    # The settings a function starts with accept what was generated.
    started = Settings.from_env({name: json.dumps(fresh[key]) if isinstance(fresh[key], dict)
                                 else fresh[key] for key, name in SECRET_VARIABLES.items()})
    assert dict(started.token_keys) == fresh["token_keys"]


def test_a_plain_redeploy_keeps_backups_the_ceiling_your_domain_and_the_secrets(
        aws: boto3.Session, tmp_path: Path) -> None:
    run(aws, tmp_path, pitr=True, api_concurrency=25, public_url="https://book.example.com/",
        email_sender="no-reply@book.example.com")
    secrets = ssm_value(aws, "secrets")

    (tmp_path / "package" / "deployment.zip").unlink()  # new code, nothing else said
    outputs = run(aws, tmp_path)

    assert stack_parameters(aws) == {"PointInTimeRecovery": "true", "ApiConcurrency": "25",
                                     "EmailSender": "no-reply@book.example.com"}
    assert outputs["PublicUrl"] == "https://book.example.com"
    assert ssm_value(aws, "public-url") == "https://book.example.com"
    assert ssm_value(aws, "secrets") == secrets


def test_a_redeploy_of_a_stage_without_a_token_key_adds_one_and_changes_no_other_secret(
        aws: boto3.Session, tmp_path: Path) -> None:
    # GIVEN a stage deployed before tokens were encrypted, with a provider configured
    older = {"jwt_keys": {"k20260101": "s" * 64}, "link_secret": "l" * 64,
             "providers": {"zoom": {"client_id": "z", "client_secret": "zs"}}}
    aws.client("ssm").put_parameter(Name="/penny/penny-prod/secrets", Value=json.dumps(older),
                                    Type="SecureString")

    run(aws, tmp_path)

    now = json.loads(ssm_value(aws, "secrets"))
    assert {key: now[key] for key in older} == older
    (token_key,) = now["token_keys"].values()
    assert len(base64.b64decode(token_key, validate=True)) == 32
    # and the next deploy keeps that key: tokens sealed with it stay readable
    run(aws, tmp_path)
    assert json.loads(ssm_value(aws, "secrets")) == now
    found = aws.client("ssm").get_parameter(Name="/penny/penny-prod/secrets")["Parameter"]
    assert found["Type"] == "SecureString"


def test_a_redeploy_changes_only_what_it_is_told(aws: boto3.Session, tmp_path: Path) -> None:
    run(aws, tmp_path, pitr=True, api_concurrency=25)

    run(aws, tmp_path, pitr=False)
    assert stack_parameters(aws) == {"PointInTimeRecovery": "false", "ApiConcurrency": "25",
                                     "EmailSender": ""}

    run(aws, tmp_path, email_sender="no-reply@book.example.com")
    run(aws, tmp_path, email_sender="")  # the operator turns e-mail off again

    assert stack_parameters(aws) == {"PointInTimeRecovery": "false", "ApiConcurrency": "25",
                                     "EmailSender": ""}


def test_an_unchanged_redeploy_leaves_the_stack_alone(
        aws: boto3.Session, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(aws, tmp_path)
    run(aws, tmp_path)

    assert "stack penny-prod unchanged" in capsys.readouterr().out
    summaries = aws.client("cloudformation").list_change_sets(StackName="penny-prod")["Summaries"]
    assert [s for s in summaries if s["Status"] == "FAILED"] == []  # the empty one is gone


def test_a_failed_first_create_is_deleted_and_created_again(
        aws: boto3.Session, tmp_path: Path) -> None:
    run(aws, tmp_path)
    (stack,) = cloudformation_backends[DEFAULT_ACCOUNT_ID][REGION].describe_stacks("penny-prod")
    stack.status = "ROLLBACK_COMPLETE"  # what a failed first create leaves behind

    run(aws, tmp_path)

    (found,) = aws.client("cloudformation").describe_stacks(StackName="penny-prod")["Stacks"]
    assert found["StackStatus"] == "CREATE_COMPLETE" and found["StackId"] != stack.stack_id


def test_a_failed_stack_change_says_why_and_leaves_the_url_alone(
        aws: boto3.Session, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    def rolled_back(parsed: dict[str, Any], **_: Any) -> None:
        for stack in parsed.get("Stacks", []):
            stack["StackStatus"] = "ROLLBACK_COMPLETE"

    aws.events.register("after-call.cloudformation.DescribeStacks", rolled_back)
    monkeypatch.chdir(packaged(tmp_path / "work" / "build" / "package").parents[1])
    monkeypatch.setattr(deploy.boto3, "Session", lambda region_name: aws)
    monkeypatch.setattr(deploy, "WAIT", {"Delay": 0, "MaxAttempts": 1})

    assert deploy.main(["--bucket", "artifacts"]) == 1

    assert "stack penny-prod failed" in capsys.readouterr().err
    assert ssm_value(aws, "public-url") == deploy.PENDING_URL


def test_a_bucket_in_another_region_is_refused_before_anything_is_made(
        aws: boto3.Session, tmp_path: Path) -> None:
    aws.client("s3").create_bucket(Bucket="far", CreateBucketConfiguration={
        "LocationConstraint": "eu-west-1"})

    with pytest.raises(deploy.DeployError, match="Lambda reads code only from a bucket"):
        run(aws, tmp_path, bucket="far")

    assert aws.client("ssm").describe_parameters()["Parameters"] == []


def test_an_account_without_room_for_the_ceiling_is_told_what_to_do(
        aws: boto3.Session, tmp_path: Path) -> None:
    an_account(aws, unreserved=10)

    with pytest.raises(deploy.DeployError, match="--api-concurrency 0"):
        run(aws, tmp_path)
    assert aws.client("ssm").describe_parameters()["Parameters"] == []  # nothing made yet
    assert run(aws, tmp_path, api_concurrency=0)["PublicUrl"] == FUNCTION_URL.rstrip("/")


@pytest.mark.parametrize(("unreserved", "quota", "room"), [
    (50, 50, 0),        # below a quota of 100, Lambda keeps all of it unreserved
    (105, 1000, 5),     # other functions reserve the rest: 100 stay unreserved
])
def test_lambda_keeps_100_unreserved_or_the_whole_of_a_smaller_quota(
        aws: boto3.Session, tmp_path: Path, unreserved: int, quota: int, room: int) -> None:
    an_account(aws, unreserved, quota)

    with pytest.raises(deploy.DeployError, match=f"can reserve at most {room}, not 10"):
        run(aws, tmp_path)
    assert aws.client("ssm").describe_parameters()["Parameters"] == []


def test_a_redeploy_that_raises_the_ceiling_counts_what_the_api_function_holds(
        aws: boto3.Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a stack whose API function reserves 10, in an account of 600 (590 unreserved)
    run(aws, tmp_path)
    an_account(aws, unreserved=590, quota=600)
    monkeypatch.setattr(deploy, "reserved_now", lambda cfn, functions, stack: 10)

    # WHEN the ceiling is raised: to 500 leaves 100 unreserved, to 501 would not
    run(aws, tmp_path, api_concurrency=500)
    assert stack_parameters(aws)["ApiConcurrency"] == "500"
    with pytest.raises(deploy.DeployError, match="at most 500, not 501"):
        run(aws, tmp_path, api_concurrency=501)

    # THEN a redeploy that keeps the ceiling asks nothing of the account
    an_account(aws, unreserved=0, quota=600)
    run(aws, tmp_path)


# ---- redrive: a worker's dead-letter queue through its (normally off) replay mapping ----

WORKER_STACK = {
    "Resources": {
        "NotesDeadLetterQueue": {"Type": "AWS::SQS::Queue",
                                 "Properties": {"QueueName": "penny-prod-notes-dlq"}},
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole"}]}}},
        "NotesWorker": {"Type": "AWS::Lambda::Function", "Properties": {
            "Runtime": "python3.12", "Handler": "app.notes_worker", "Code": {"ZipFile": "x"},
            "Role": {"Fn::GetAtt": ["Role", "Arn"]}}},
        "NotesWorkerReplay": {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {
            "FunctionName": {"Ref": "NotesWorker"}, "Enabled": False,
            "EventSourceArn": {"Fn::GetAtt": ["NotesDeadLetterQueue", "Arn"]}}},
    },
}


@pytest.fixture
def worker(aws: boto3.Session) -> dict[str, Any]:
    aws.client("cloudformation").create_stack(StackName="penny-prod",
                                              TemplateBody=json.dumps(WORKER_STACK))
    sqs = aws.client("sqs")
    url = sqs.get_queue_url(QueueName="penny-prod-notes-dlq")["QueueUrl"]
    for n in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": n}))
    return {"sqs": sqs, "url": url, "lambda": aws.client("lambda")}


def mapping_state(aws: boto3.Session) -> str:
    (mapping,) = aws.client("lambda").list_event_source_mappings()["EventSourceMappings"]
    return str(mapping["State"])


def test_redrive_turns_the_replay_on_until_the_queue_drains_then_off(
        aws: boto3.Session, worker: dict[str, Any]) -> None:
    states = []

    def the_worker_takes_one(seconds: float) -> None:  # what the enabled mapping does
        states.append(mapping_state(aws))
        (message,) = worker["sqs"].receive_message(QueueUrl=worker["url"])["Messages"]
        worker["sqs"].delete_message(QueueUrl=worker["url"],
                                     ReceiptHandle=message["ReceiptHandle"])

    left = redrive.redrive(aws, "prod", "notes", sleep=the_worker_takes_one)

    assert left == 0
    assert states == ["Enabled"] * 3
    assert mapping_state(aws) == "Disabled"


def test_redrive_stops_when_only_poison_is_left_and_says_so(
        aws: boto3.Session, worker: dict[str, Any]) -> None:
    assert redrive.redrive(aws, "prod", "notes", sleep=lambda seconds: None) == 3
    assert mapping_state(aws) == "Disabled"


def test_redrive_waits_for_the_mapping_to_switch_on_and_for_a_slow_batch(
        aws: boto3.Session, worker: dict[str, Any]) -> None:
    # GIVEN a mapping that takes two looks to switch on, as AWS's goes through Enabling
    looks = {"n": 0}

    def enabling_at_first(parsed: dict[str, Any], **_: Any) -> None:
        looks["n"] += 1
        if looks["n"] <= 2:
            parsed["State"] = "Enabling"

    aws.events.register("after-call.lambda.GetEventSourceMapping", enabling_at_first)
    pauses: list[float] = []

    # WHEN the worker's batch takes five minutes (the queue's count does not move), then
    # all three go through
    def a_slow_batch(seconds: float) -> None:
        pauses.append(seconds)
        if sum(p for p in pauses if p == redrive.POLL) >= 300:
            for message in worker["sqs"].receive_message(
                    QueueUrl=worker["url"], MaxNumberOfMessages=10).get("Messages", []):
                worker["sqs"].delete_message(QueueUrl=worker["url"],
                                             ReceiptHandle=message["ReceiptHandle"])

    worker["sqs"].set_queue_attributes(QueueUrl=worker["url"],
                                       Attributes={"VisibilityTimeout": "360"})
    left = redrive.redrive(aws, "prod", "notes", sleep=a_slow_batch)

    # THEN it waited for both, and nothing is left
    assert left == 0
    assert pauses[:2] == [redrive.ENABLING] * 2
    assert mapping_state(aws) == "Disabled"


def test_redrive_does_not_call_messages_failing_before_they_came_back_and_were_tried_again(
        aws: boto3.Session, worker: dict[str, Any]) -> None:
    # GIVEN the queue's visibility timeout as deployed, and a first delivery that never
    # ran its jobs (throttled or killed): the count does not move for more than a whole
    # visibility timeout, then the messages come back and all three go through
    worker["sqs"].set_queue_attributes(QueueUrl=worker["url"],
                                       Attributes={"VisibilityTimeout": "360"})
    waited: list[float] = []

    def back_after_one_visibility_timeout(seconds: float) -> None:
        waited.append(seconds)
        if sum(waited) >= 360 + 3 * redrive.POLL:
            for message in worker["sqs"].receive_message(
                    QueueUrl=worker["url"], MaxNumberOfMessages=10).get("Messages", []):
                worker["sqs"].delete_message(QueueUrl=worker["url"],
                                             ReceiptHandle=message["ReceiptHandle"])

    # WHEN the replay runs
    left = redrive.redrive(aws, "prod", "notes", sleep=back_after_one_visibility_timeout)

    # THEN it waited for their second delivery, and nothing is reported failing
    assert left == 0
    assert mapping_state(aws) == "Disabled"


def test_redrive_of_a_stack_without_its_replay_mapping_says_so(
        aws: boto3.Session, worker: dict[str, Any]) -> None:
    functions = aws.client("lambda")
    (mapping,) = functions.list_event_source_mappings()["EventSourceMappings"]
    functions.delete_event_source_mapping(UUID=mapping["UUID"])

    with pytest.raises(deploy.DeployError, match="not its one replay mapping"):
        redrive.redrive(aws, "prod", "notes", sleep=lambda seconds: None)


# ---- redrive CONSUMER=stream: the table stream's failed batches, read back and re-run ----

@pytest.fixture
def stream_failure(aws: boto3.Session) -> dict[str, Any]:
    """A table whose stream holds four changes, and the note Lambda leaves in the
    stream's queue when it gives up on the batch that holds them."""
    dynamodb = aws.client("dynamodb")
    table = dynamodb.create_table(
        TableName="penny-prod", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    stream_arn = table["TableDescription"]["LatestStreamArn"]
    for pk, kind, status in (("BOOKING#1", "booking", None), ("SESSION#1", "session", None),
                             ("JOB#1", "job", "in_progress"), ("JOB#2", "job", "done")):
        job = {"status": {"S": status}, "announces": {"S": "notes.saved"}} if status else {}
        dynamodb.put_item(TableName="penny-prod", Item={
            "pk": {"S": pk}, "kind": {"S": kind}, "token": {"B": b"\x00\xff"}, **job})
    # moto answers streams on their classic endpoint, not on the one botocore now picks.
    streams = aws.client("dynamodbstreams",
                         endpoint_url=f"https://streams.dynamodb.{REGION}.amazonaws.com")
    (shard,) = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
    iterator = streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard["ShardId"],
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    sequence = [r["dynamodb"]["SequenceNumber"]
                for r in streams.get_records(ShardIterator=iterator)["Records"]]
    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName="penny-prod-stream-dlq")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"DDBStreamBatchInfo": {
        "shardId": shard["ShardId"], "streamArn": stream_arn, "batchSize": 4,
        "startSequenceNumber": sequence[0], "endSequenceNumber": sequence[-1]}}))
    return {"sqs": sqs, "streams": streams, "url": url, "stream_arn": stream_arn}


def test_a_failed_stream_batch_is_replayed_as_the_event_source_would_send_it(
        stream_failure: dict[str, Any]) -> None:
    events: list[dict[str, Any]] = []

    left = stream_replay.replay(stream_failure["sqs"], stream_failure["streams"],
                                stream_failure["url"], lambda event: events.append(event) or True)

    assert left == 0
    (event,) = events
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in event["Records"]] == ["BOOKING#1", "JOB#2"]
    record = event["Records"][0]
    assert record["eventSourceARN"] == stream_failure["stream_arn"]
    assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], float)
    assert record["dynamodb"]["NewImage"]["token"] == {"B": "AP8="}
    assert stream_failure["sqs"].get_queue_attributes(
        QueueUrl=stream_failure["url"], AttributeNames=["ApproximateNumberOfMessages"])[
        "Attributes"]["ApproximateNumberOfMessages"] == "0"


def test_a_stream_batch_that_fails_again_stays_noted(stream_failure: dict[str, Any]) -> None:
    left = stream_replay.replay(stream_failure["sqs"], stream_failure["streams"],
                                stream_failure["url"], lambda event: False)

    assert left == 1
    assert stream_failure["sqs"].get_queue_attributes(
        QueueUrl=stream_failure["url"], AttributeNames=["ApproximateNumberOfMessagesNotVisible"])[
        "Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "1"


def test_the_redirect_uris_to_register_are_printed_for_each_oauth_provider() -> None:
    from infra.deploy import redirect_uris

    printed = redirect_uris("https://abc.lambda-url.us-east-1.on.aws")

    for provider in ("google", "microsoft", "zoom", "notion"):
        assert f"https://abc.lambda-url.us-east-1.on.aws/oauth/{provider}/callback" in printed


def test_the_payment_webhooks_to_register_are_printed_at_the_apps_own_routes() -> None:
    import app
    from infra.deploy import webhook_urls

    printed = webhook_urls("https://abc.lambda-url.us-east-1.on.aws")

    for route, shown in (("/webhooks/stripe", "/webhooks/stripe"),
                         ("/webhooks/razorpay/{host_id}", "/webhooks/razorpay/<host id>")):
        assert route in app.app.routes
        assert f"https://abc.lambda-url.us-east-1.on.aws{shown}" in printed


def test_what_the_api_function_reserves_now_is_read_from_lambda(aws: boto3.Session) -> None:
    # moto's CloudFormation makes no SAM function, so the stack's resource is stood in for
    functions = aws.client("lambda")
    role = aws.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]
    functions.create_function(FunctionName="penny-prod-APIHandler-x", Runtime="python3.13",
                              Role=role["Arn"], Handler="app.app",
                              Code={"ZipFile": b"PK code"})

    class Stack:
        def describe_stack_resource(self, **_: Any) -> dict[str, Any]:
            return {"StackResourceDetail": {"PhysicalResourceId": "penny-prod-APIHandler-x"}}

    assert reserved_now(Stack(), functions, "penny-prod") == 0  # no reservation
    functions.put_function_concurrency(FunctionName="penny-prod-APIHandler-x",
                                       ReservedConcurrentExecutions=10)
    assert reserved_now(Stack(), functions, "penny-prod") == 10
    assert reserved_now(aws.client("cloudformation"), functions, "no-such-stack") == 0


def test_redrive_switches_the_mapping_off_once_aws_lets_it(
        aws: boto3.Session, worker: dict[str, Any]) -> None:
    # GIVEN AWS refusing the first switch-off, as it does while a mapping is still Enabling
    refused = {"n": 0}

    def busy_once(params: dict[str, Any], **_: Any) -> None:
        if params.get("Enabled") is False and refused["n"] == 0:
            refused["n"] += 1
            raise ClientError({"Error": {"Code": "ResourceInUseException",
                                         "Message": "in use"}}, "UpdateEventSourceMapping")

    aws.events.register("before-parameter-build.lambda.UpdateEventSourceMapping", busy_once)

    # WHEN a replay ends (only poison left)
    left = redrive.redrive(aws, "prod", "notes", sleep=lambda seconds: None)

    # THEN the mapping is off all the same
    assert (left, refused["n"]) == (3, 1)
    assert mapping_state(aws) == "Disabled"
