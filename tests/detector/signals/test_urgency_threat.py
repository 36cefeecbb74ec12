"""urgency_threat: the writer threatens consequences or sets a pressing deadline."""

import pytest

from tests.detector.signals.conftest import assert_fires, assert_silent

CODE = "urgency_threat"

POSITIVE = [
    # (text, evidence): evidence is a substring of text that a finding must cover
    ("如果30分钟内不处理，您的账户将被永久冻结", "冻结"),
    ("您的账号涉嫌违规，今天不处理就封号", "封号"),
    ("不配合注销的话会影响您的个人征信", "征信"),
    ("您的贷款已逾期，再不还款我们将起诉您", "起诉"),
    ("您的银行卡涉嫌洗钱，需要立即配合调查", "涉嫌"),
    ("请在今天下午5点前完成操作，否则账户将被注销", "注销"),
    ("逾期未处理将上报征信系统", "逾期"),
    ("再不处理，我们将冻结您名下所有账户", "冻结"),
    ("您已涉嫌违法，警方将对您发出逮捕令", "逮捕"),
    ("您的账号已被标记，24小时内不申诉将永久封号", "封号"),
    # obfuscated
    ("您的帳戶將被凍結，請立即處理", "凍結"),
    ("不处理的话马上封\u200b号", "封\u200b号"),
    ("再不配合將影響徵信", "徵信"),
    ("请在３０分钟内处理，否则账号冻结", "３０分钟内"),
    ("Your account WiLl Be SuSpEnDeD if you do not verify now.", "SuSpEnDeD"),
    # English
    (
        "Your account will be suspended within 24 hours unless you confirm your details.",
        "suspended",
    ),
    ("There is an arrest warrant in your name, you must act now.", "arrest"),
    ("If you don't pay today we will take legal action against you.", "legal action"),
    ("Your funds will be frozen unless you complete verification in 30 minutes.", "frozen"),
    ("You will be arrested if you hang up this call.", "arrested"),
]

NEGATIVE = [
    # code validity, delivery times, calm messages
    "【速充】您的验证码为482913，5分钟内有效，请勿泄露给他人。",
    "退款已受理，预计1-3个工作日到账",
    "您好，请问还有什么可以帮您？",
    "卡密有效期为一年，请在有效期内使用",
    "充值高峰期可能会延迟几分钟，请耐心等待",
    "不着急，您慢慢操作就可以",
    "游戏维护期间暂停充值，预计今晚10点恢复",
    "这个活动卡什么时候截止？",
    # users asking / reporting a threat someone else made
    "冻结的账户怎么申请解冻？",
    "我的号被封了，能帮我看看吗",
    "有人说我的账户三十分钟内不处理就会被冻结，是真的吗",
    # warnings quoting a threat
    "警察不会在电话里说你涉嫌洗钱，接到这种电话直接挂掉",
    # English
    "Your verification code is 558201 and is valid for 5 minutes.",
    "Refunds typically arrive in 3-5 business days.",
    "No rush, take your time and let me know when you're ready.",
    "Someone told me my account will be suspended unless I pay, is this a scam?",
    "How do I get my account unfrozen?",
    "The sale ends on Sunday.",
]


@pytest.mark.parametrize(("text", "evidence"), POSITIVE)
def test_when_threatened_or_rushed_then_fires(analyzer, text, evidence):
    assert_fires(analyzer, text, CODE, evidence)


@pytest.mark.parametrize("text", NEGATIVE)
def test_when_calm_then_silent(analyzer, text):
    assert_silent(analyzer, text, CODE)
