"""requests_account_login: the writer asks for account login credentials (账号密码, 上号, login details)."""

import pytest

from tests.detector.signals.conftest import assert_fires, assert_silent

CODE = "requests_account_login"

POSITIVE = [
    # (text, evidence): evidence is a substring of text that a finding must cover
    ("把您的游戏账号密码发给我，我帮您上号领取补偿", "账号密码"),
    ("请提供您的QQ账号和密码，我们帮您解除封禁", "QQ账号"),
    ("麻烦告诉我您的登录账号和密码", "登录账号"),
    ("需要我上号帮您处理一下，账号密码发我", "账号密码"),
    ("请把账号密码给我，我上号帮您查一下充值记录", "账号密码"),
    ("退款需要您填写游戏账号和登录密码", "游戏账号"),
    ("您的王者荣耀账号密码是多少？", "账号密码"),
    ("请把Steam的用户名和密码回复给我", "用户名和密码"),
    ("请输入您的微信账号和密码进行验证", "微信账号"),
    ("麻烦把帐号密码发一下，我帮您看看皮肤为什么没到", "帐号密码"),
    # a fake warning in one clause, the ask in the next
    ("客服不会索要验证码，但补发装备需要您把账号密码发给我", "账号密码"),
    # obfuscated
    ("請把遊戲賬號密碼發給我，我幫您上號", "賬號密碼"),
    ("把你的扣扣账号和蜜码发我，帮你申诉", "扣扣账号"),
    ("请提供您的账\u200b号密码，我们核实后解封", "账\u200b号密码"),
    ("请把ＱＱ号和密码发给我，我帮你找回", "ＱＱ号"),
    ("Please send me your UsErNaMe AnD PaSsWoRd for the game.", "UsErNaMe AnD PaSsWoRd"),
    # English
    ("Please send me your login details so I can check the account.", "login details"),
    ("Give me your Steam username and password and I'll add the items.", "username and password"),
    ("Share your account credentials with me to speed up the refund.", "account credentials"),
    ("What is your game account and password?", "account and password"),
    ("Type your login credentials here and I'll restore your skins.", "login credentials"),
]

NEGATIVE = [
    # warnings
    "客服不会索要您的账号密码",
    "请勿将账号密码告诉他人，以免被盗号",
    "凡是要上号帮你操作的都是骗子",
    "不要把账号借给陌生人上号",
    # asking whether an ask is real / reporting someone else's ask
    "有人说要帮我上号领皮肤，让我把账号密码给他，靠谱吗？",
    "代练需要上号吗？会不会被封？",
    # the object with no ask
    "我的账号被盗了，密码也被改了，怎么办",
    "账号密码登录失败，提示网络异常",
    "建议开启登录保护，定期修改密码",
    "找回账号请通过官方申诉页面提交资料",
    # benign support asks for non-sensitive things (a top-up needs the game ID, not a password)
    "请提供您的游戏ID和区服，我们帮您查询充值记录",
    "充值时请填写正确的游戏账号，填错无法退款",
    "请提供一下订单号，我帮您查询处理进度",
    # English
    "We will never ask for your username or password.",
    "I can't log in, it says my password is wrong.",
    "Someone in chat asked for my login details to send me free skins, legit?",
    "Please tell me your order number and the player ID you topped up.",
    "Never share your account credentials with anyone.",
    "Your login details were updated successfully.",
]


@pytest.mark.parametrize(("text", "evidence"), POSITIVE)
def test_when_login_is_asked_for_then_fires(analyzer, text, evidence):
    assert_fires(analyzer, text, CODE, evidence)


@pytest.mark.parametrize("text", NEGATIVE)
def test_when_login_is_not_asked_for_then_silent(analyzer, text):
    assert_silent(analyzer, text, CODE)
