"""requests_password: the writer asks the user for a login, payment or transaction password / PIN."""

import pytest

from tests.detector.signals.conftest import assert_fires, assert_silent

CODE = "requests_password"

POSITIVE = [
    # (text, evidence): evidence is a substring of text that a finding must cover
    ("请把您的支付密码告诉我，我帮您操作退款", "支付密码"),
    ("为了核实身份，麻烦提供一下您的登录密码", "登录密码"),
    ("亲，需要您在这里输入交易密码才能解冻这笔资金", "交易密码"),
    ("您的账户密码是多少？我这边帮您重置", "密码"),
    ("把银行卡的取款密码发给我，核对后马上到账", "取款密码"),
    ("麻烦把QQ密码发我一下，我上去帮您领取补偿", "密码"),
    ("请回复您的六位支付密码以完成验证", "支付密码"),
    ("退款需要本人授权，请在这里填写您的支付宝支付密码", "支付密码"),
    ("您念一下支付密码，我这边同步给财务", "支付密码"),
    # a fake warning in one clause, the ask in the next
    ("客服不会向您索要验证码，但这次解冻需要您告诉我支付密码", "支付密码"),
    # obfuscated
    ("請提供您的支付密碼，我們馬上處理", "支付密碼"),
    ("把你的登录蜜码发给我，我帮你找回装备", "蜜码"),
    ("麻烦说一下您的交易密\u200b码，系统要核验", "交易密\u200b码"),
    ("请把 密 码 发我，我这边帮你登录处理", "密 码"),
    ("Please TeLl Me your PaSsWoRd so I can fix the account.", "PaSsWoRd"),
    ("Enter your ＰＩＮ here to confirm the refund.", "ＰＩＮ"),
    # English
    ("Please send me your login password so I can verify the account.", "password"),
    ("What is your payment password? I need it to release the refund.", "password"),
    ("Could you share your PIN with me to complete the verification?", "PIN"),
    ("Type your password in this chat and I'll unlock your order.", "password"),
    ("Kindly provide the password for your wallet.", "password"),
]

NEGATIVE = [
    # the object with no ask
    "我忘记密码了，怎么找回？",
    "支付密码连续输错，账户被锁了怎么办",
    "建议您定期修改登录密码，并开启二次验证",
    "密码修改成功，请使用新密码重新登录",
    "修改密码请在App的“账户安全”页面自行操作",
    "游戏的二级密码在哪里设置？",
    # warnings
    "客服不会索要您的密码，请妥善保管",
    "请勿将登录密码告诉任何人",
    "凡是索要支付密码的都是骗子",
    "不要向任何人透露您的取款密码",
    # asking whether an ask is real / reporting someone else's ask
    "对方让我把支付密码发给他，这是不是骗子？",
    "刚有人打电话问我要交易密码，说是平台客服，是真的吗",
    # benign support asks for non-sensitive things
    "您好，麻烦提供一下订单号，我帮您查询",
    "请发一下充值页面的截图，我看看是哪个环节出错了",
    # English
    "We will never ask for your password.",
    "I forgot my password and the reset email never arrived.",
    "Someone on chat asked me to give them my PIN, is that normal?",
    "For your safety, never share your password with anyone.",
    "Please tell me your order number and the game server name.",
    "Your password was changed successfully.",
]


@pytest.mark.parametrize(("text", "evidence"), POSITIVE)
def test_when_password_is_asked_for_then_fires(analyzer, text, evidence):
    assert_fires(analyzer, text, CODE, evidence)


@pytest.mark.parametrize("text", NEGATIVE)
def test_when_password_is_not_asked_for_then_silent(analyzer, text):
    assert_silent(analyzer, text, CODE)
