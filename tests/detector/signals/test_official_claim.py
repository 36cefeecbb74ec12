"""official_claim: the writer claims to be official support staff or an authority."""

import pytest

from tests.detector.signals.conftest import assert_fires, assert_silent

CODE = "official_claim"

POSITIVE = [
    # (text, evidence): evidence is a substring of text that a finding must cover
    ("您好，我是卡盟平台客服，工号9527", "客服"),
    ("这里是官方客服中心，您的订单出现异常", "官方客服"),
    ("我们是平台风控部门，检测到您的账户存在风险", "风控部门"),
    ("我是深圳市公安局南山分局的民警，警号0362", "民警"),
    ("您好，我是淘宝官方售后专员，来处理您的退款问题", "售后专员"),
    ("我是腾讯游戏官方客服，您购买的点券出现异常", "官方客服"),
    ("本人是支付宝安全中心的工作人员", "工作人员"),
    ("您好，这边是京东金融客服，您开通的金条服务需要关闭", "客服"),
    ("我们是银保监会的，您的征信记录有问题", "银保监会"),
    ("我是反诈中心的工作人员，您的银行卡涉嫌洗钱", "反诈中心"),
    # obfuscated
    ("您好，我是平台刻服，来处理您的退款", "刻服"),
    ("您好，我是平臺客服，您的帳戶出現異常", "平臺客服"),
    ("我是官方客\u200b服，请配合处理", "客\u200b服"),
    ("我是卡盟 客.服，您的订单有问题", "客.服"),
    ("我是官方kf，您的账户需要处理一下", "kf"),
    ("Hello, I Am FrOm AmAzOn CuStOmEr SuPpOrT.", "CuStOmEr SuPpOrT"),
    # English
    ("Hi, I'm from Amazon customer support regarding your order.", "customer support"),
    ("This is the fraud department of your bank calling about your card.", "fraud department"),
    ("I am an officer with the city police cyber crime unit.", "officer"),
    ("We are the official Steam support team.", "Steam support"),
    ("This is the PayPal security team, your account has been limited.", "security team"),
]

NEGATIVE = [
    # someone else described
    "一个自称客服的人加了我，说要给我退款",
    "刚才有人说他是公安局的，让我转账，是不是骗子",
    "对方说自己是风控部门的，这是真的吗",
    # users asking for support / talking about support
    "我要找客服，订单一直没到账",
    "客服电话是多少？",
    "人工客服怎么联系？",
    "请问你是官方客服吗？",
    "转人工客服",
    "我已经联系过平台客服了，还没回复",
    "客服小姐姐态度很好，五星好评",
    "你们的客服上班时间是几点到几点？",
    "卡盟平台的客服回复太慢了",
    # warnings
    "官方客服不会通过私人微信联系您",
    # English
    "A man claiming to be from Amazon support called me.",
    "I want to talk to customer support.",
    "What is the customer service phone number?",
    "Is this really the official support team?",
    "My friend works in the fraud department of a bank.",
    "Support never contacts you through private messages.",
]


@pytest.mark.parametrize(("text", "evidence"), POSITIVE)
def test_when_writer_claims_to_be_official_then_fires(analyzer, text, evidence):
    assert_fires(analyzer, text, CODE, evidence)


@pytest.mark.parametrize("text", NEGATIVE)
def test_when_no_official_claim_then_silent(analyzer, text):
    assert_silent(analyzer, text, CODE)
