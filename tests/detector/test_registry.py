"""The official registry: files validated on load, lookups by normalized value, claims."""

from __future__ import annotations

import pytest

from detector.errors import ConfigError, InvalidInputError
from detector.normalize import normalize
from detector.registry import (
    Organization,
    Registry,
    demo_registry,
    load_registry_file,
    official_contact,
    parse_registry,
)


@pytest.mark.parametrize(
    ("written", "type_"),
    [
        ("400-820-5678", "phone"),
        ("4008205678", "phone"),
        ("+86 400 820 5678", "phone"),
        ("021-6123-4567", "phone"),
        ("95079", "short_number"),
        ("800012345", "qq"),
        ("kameng_demo_kefu", "wechat"),
        ("https://www.kameng-demo.com/help", "url"),
        ("kefu.kameng-demo.com", "url"),
        ("SUPPORT@kameng-demo.com", "email"),
    ],
)
def test_when_demo_contact_written_any_way_then_official_for_demo(written, type_):
    contact = official_contact("x", written, type_)
    assert demo_registry().orgs_for(contact.key) == ("demo-kameng",)


@pytest.mark.parametrize(
    ("written", "type_"),
    [
        ("400-820-5679", "phone"),
        ("800012346", "qq"),
        ("kameng-demo.com.evil.cn", "url"),
        ("kameng-demo-refund.com", "url"),
        ("support@kameng-demo.net", "email"),
    ],
)
def test_when_near_miss_then_not_official(written, type_):
    assert demo_registry().orgs_for(official_contact("x", written, type_).key) == ()


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("demo-kameng", "demo-kameng"),
        ("示例卡盟", "demo-kameng"),
        ("示例卡盟平台", "demo-kameng"),
        ("KamengDemo", "demo-kameng"),
        ("kamengdemo", "demo-kameng"),
        ("示例支付", "demo-pay"),
        ("某某银行", None),
        ("", None),
    ],
)
def test_when_org_named_then_resolved_by_slug_name_or_alias(name, slug):
    org = demo_registry().organization(name)
    assert (org.slug if org else None) == slug


def test_when_text_names_orgs_then_claims_in_order_longest_name_first():
    text = normalize("我是示例卡盟平台的客服，不是示例支付").text
    assert demo_registry().claims_in(text) == ("demo-kameng", "demo-pay")
    assert Registry().claims_in(text) == ()


BAD_YAML = [
    ("organizations: []", "organizations"),
    ("organizations:\n  - {slug: 'Bad Slug', name: x}", "slug"),
    ("organizations:\n  - {slug: ok, name: x, colour: red}", "colour"),
    (
        "organizations:\n  - {slug: ok, name: x, contacts: [{type: fax, value: '1', source: s}]}",
        "fax",
    ),
    (
        "organizations:\n  - {slug: ok, name: x, contacts: [{value: '1234567', source: ''}]}",
        "source",
    ),
    ("organizations:\n  - {slug: ok, name: x}\n  - {slug: ok, name: y}", "twice"),
    ("organizations: [", "YAML"),
]


@pytest.mark.parametrize(("text", "mentions"), BAD_YAML)
def test_when_registry_yaml_is_bad_then_config_error_says_where(text, mentions):
    with pytest.raises(ConfigError) as err:
        parse_registry(text, "yaml", where="mine.yaml")
    assert "mine.yaml" in err.value.message
    assert mentions in err.value.message


def test_when_registry_csv_then_rows_grouped_by_org(tmp_path):
    path = tmp_path / "reg.csv"
    path.write_text(
        "org,org_name,type,value,source,verified_at\n"
        "acme,Acme 客服,phone,400-111-2222,site,2026-10-01\n"
        "acme,,qq,12345678,site,\n",
        encoding="utf-8",
    )
    reg = load_registry_file(path)
    assert reg.organizations == (Organization("acme", "Acme 客服"),)
    assert len(reg) == 2
    assert reg.contacts[0].verified_at == "2026-10-01"


@pytest.mark.parametrize(
    ("content", "error"),
    [
        ("value,source\n1,2\n", ConfigError),  # no org column
        ("org,value,source\n", ConfigError),  # header only
    ],
)
def test_when_registry_csv_is_bad_then_config_error(tmp_path, content, error):
    path = tmp_path / "reg.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(error):
        load_registry_file(path)


def test_when_registry_file_missing_or_not_utf8_then_invalid_input(tmp_path):
    with pytest.raises(InvalidInputError):
        load_registry_file(tmp_path / "nope.yaml")
    path = tmp_path / "gbk.yaml"
    path.write_bytes("organizations: 示例".encode("gbk"))
    with pytest.raises(InvalidInputError):
        load_registry_file(path)


def test_when_contact_names_unknown_org_then_config_error():
    with pytest.raises(ConfigError):
        Registry((), (official_contact("ghost", "12345678", "qq"),))
