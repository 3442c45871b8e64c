"""The template loader reads CloudFormation's short tags; the resolver computes intrinsics."""

from __future__ import annotations

from pathlib import Path

import pytest

from updraft.local.template import Resolver, TemplateError, load_template, loads_template, references

ROOT = Path(__file__).resolve().parents[2]


class FakeResources:
    """Two created resources, the way LocalResources answers Ref and GetAtt."""

    def ref(self, logical_id: str) -> str:
        return {"Queue": "http://127.0.0.1/123456789012/q", "Bucket": "my-bucket"}[logical_id]

    def get_att(self, logical_id: str, attribute: str) -> str:
        return f"arn:{logical_id}:{attribute}"


TEMPLATE = loads_template(
    """
AWSTemplateFormatVersion: 2010-09-09
Parameters:
  Stage: {Type: String, Default: dev, AllowedValues: [dev, prod]}
  Timeout: {Type: Number, Default: 900}
  Zones: {Type: CommaDelimitedList, Default: "a, b"}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  NotProd: !Not [!Condition IsProd]
Mappings:
  Sizes: {dev: {Memory: 512}}
Resources:
  Queue: {Type: AWS::SQS::Queue}
  Bucket: {Type: AWS::S3::Bucket}
"""
)


def resolver(**parameters: str) -> Resolver:
    return Resolver(TEMPLATE, parameters=parameters, stack_name="stk", resources=FakeResources())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("!Ref X", {"Ref": "X"}, id="ref"),
        pytest.param("!GetAtt Q.Arn", {"Fn::GetAtt": ["Q", "Arn"]}, id="getatt-dotted"),
        pytest.param("!GetAtt [Q, Arn]", {"Fn::GetAtt": ["Q", "Arn"]}, id="getatt-list"),
        pytest.param("!Sub 'a-${X}'", {"Fn::Sub": "a-${X}"}, id="sub"),
        pytest.param("!Sub ['${A}', {A: !Ref B}]", {"Fn::Sub": ["${A}", {"A": {"Ref": "B"}}]}, id="sub-list"),
        pytest.param("!Select [0, !Split [',', 'a,b']]",
                     {"Fn::Select": [0, {"Fn::Split": [",", "a,b"]}]}, id="select-split"),
        pytest.param("!If [C, 1, !Ref AWS::NoValue]",
                     {"Fn::If": ["C", 1, {"Ref": "AWS::NoValue"}]}, id="if"),
        pytest.param("!Condition C", {"Condition": "C"}, id="condition"),
    ],
)
def test_short_tags_load_in_their_long_form(text: str, expected: dict) -> None:
    assert loads_template(f"value: {text}")["value"] == expected


def test_dates_stay_strings_as_in_cloudformation() -> None:
    assert TEMPLATE["AWSTemplateFormatVersion"] == "2010-09-09"


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        pytest.param({"Ref": "Stage"}, "dev", id="parameter-default"),
        pytest.param({"Ref": "Timeout"}, "900", id="number-parameter-is-a-string"),
        pytest.param({"Ref": "Zones"}, ["a", "b"], id="list-parameter"),
        pytest.param({"Ref": "AWS::AccountId"}, "123456789012", id="account"),
        pytest.param({"Ref": "AWS::StackName"}, "stk", id="stack-name"),
        pytest.param({"Ref": "Queue"}, "http://127.0.0.1/123456789012/q", id="resource-ref"),
        pytest.param({"Fn::GetAtt": ["Queue", "Arn"]}, "arn:Queue:Arn", id="getatt"),
        pytest.param({"Fn::Sub": "u-${Stage}-${AWS::Region}.${AWS::URLSuffix}"},
                     "u-dev-us-east-1.amazonaws.com", id="sub-pseudo"),
        pytest.param({"Fn::Sub": "${Queue.Arn}/*"}, "arn:Queue:Arn/*", id="sub-getatt"),
        pytest.param({"Fn::Sub": ["${Name}-${!Literal}", {"Name": {"Ref": "Bucket"}}]},
                     "my-bucket-${Literal}", id="sub-list-and-escape"),
        pytest.param({"Fn::Join": ["-", ["a", {"Ref": "Stage"}, 3]]}, "a-dev-3", id="join"),
        pytest.param({"Fn::Select": [1, {"Fn::Split": [",", "x,y,z"]}]}, "y", id="select-split"),
        pytest.param({"Fn::If": ["IsProd", "big", "small"]}, "small", id="if"),
        pytest.param({"Fn::If": ["NotProd", "yes", "no"]}, "yes", id="not-condition"),
        pytest.param({"Fn::FindInMap": ["Sizes", {"Ref": "Stage"}, "Memory"]}, 512, id="find-in-map"),
        pytest.param({"k": {"Fn::If": ["IsProd", 1, {"Ref": "AWS::NoValue"}]}, "j": 2}, {"j": 2}, id="no-value"),
    ],
)
def test_intrinsics_resolve(expression: object, expected: object) -> None:
    assert resolver().resolve(expression) == expected


def test_parameter_overrides_win_and_respect_allowed_values() -> None:
    assert resolver(Stage="prod").resolve({"Fn::If": ["IsProd", "big", "small"]}) == "big"
    with pytest.raises(TemplateError, match=r"Parameter 'Stage' must be one of \['dev', 'prod'\], not 'qa'"):
        resolver(Stage="qa")


def test_unknown_reference_is_an_error_with_its_name() -> None:
    with pytest.raises(TemplateError, match="Cannot resolve Ref to 'ServerlessHttpApi' locally"):
        resolver().resolve({"Ref": "ServerlessHttpApi"})


def test_references_find_what_a_resource_depends_on() -> None:
    props = {
        "A": {"Ref": "Stage"},
        "B": {"Fn::GetAtt": "Dlq.Arn"},
        "C": {"Fn::Sub": "${Bucket.Arn}/${AWS::Region}/${!Not}"},
    }
    assert references(props) == {"Stage", "Dlq", "Bucket", "AWS::Region"}


def test_the_real_template_loads_with_its_intrinsics() -> None:
    template = load_template(ROOT / "template.yaml")
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["UPDRAFT_TABLE"] == {"Ref": "StateTable"}
    redrive = template["Resources"]["TaskQueue"]["Properties"]["RedrivePolicy"]
    assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": ["TaskDeadLetterQueue", "Arn"]}
    bucket_name = template["Resources"]["DagBucket"]["Properties"]["BucketName"]
    resolved = Resolver(template).resolve(bucket_name)
    assert resolved == "updraft-dev-123456789012-us-east-1"
