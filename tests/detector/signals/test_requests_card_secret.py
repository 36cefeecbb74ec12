"""requests_card_secret: the writer asks for a card secret (卡密), redeem/activation or gift card code."""

import pytest

from tests.detector.signals.conftest import assert_fires, assert_silent

CODE = "requests_card_secret"

POSITIVE = [
    # (text, evidence): evidence is a substring of text that a finding must cover
    ("您好，请把您购买的卡密发给我，我帮您检查是否有效", "卡密"),
    ("充值失败的话，把卡密截图发过来，我这边手动帮您充", "卡密"),
    ("麻烦提供一下点卡的卡密，我们核对一下库存", "卡密"),
    ("请告诉我礼品卡的兑换码，我帮您激活", "兑换码"),
    ("把激活码发我一下，系统显示您的码被冻结了", "激活码"),
    ("您的卡密是多少？我这边查一下为什么充不进去", "卡密"),
    ("直接把京东E卡的卡密回复给我就可以，退款马上到", "卡密"),
    ("请在下方填写您手上游戏点卡的卡密", "卡密"),
    # a fake warning in one clause, the ask in the next
    ("平台客服不会向您要密码，不过这单需要您把兑换码报一下", "兑换码"),
    # obfuscated
    ("請把兌換碼發給我，我幫您重新激活", "兌換碼"),
    ("亲，把你买的卡蜜发一下，我帮你看看", "卡蜜"),
    ("请提供卡\u200b密，我们核实后给您补单", "卡\u200b密"),
    ("麻烦把 卡 密 发给我核对", "卡 密"),
    ("请说一下Q币卡的卡秘，我帮您查余额", "卡秘"),
    ("Please send me the GiFt CaRd CoDe so I can check it.", "GiFt CaRd CoDe"),
    # English
    ("Please send me the redeem code from your gift card.", "redeem code"),
    ("Tell me the gift card PIN and I'll verify the balance.", "gift card PIN"),
    ("Can you share the activation code you bought? I need to check it.", "activation code"),
    ("Reply with the Steam gift card code so we can process the refund.", "gift card code"),
    ("What is the redemption code on your top-up card?", "redemption code"),
]

NEGATIVE = [
    # the secret is given / delivered, not asked for
    "您购买的点卡已发货，卡密请在“我的订单”中查看",
    "卡密已发送至您的邮箱，请注意查收",
    "您的兑换码：ABCD-EFGH-JKLM，有效期至2025年12月31日",
    # the object with no ask
    "卡密显示已被使用，怎么办？",
    "激活码已过期，还能退款吗",
    "卡密充值时提示“卡号或密码错误”，该怎么处理？",
    "兑换码在游戏里哪个地方输入？",
    # warnings
    "请勿将卡密透露给任何人，包括自称客服的人",
    "客服不会索要您的卡密",
    "凡是索要卡密的都是骗子，卡密一旦泄露无法追回",
    "不要把卡密发给任何陌生人",
    # asking whether an ask is real
    "有人让我把卡密发给他帮我检查，可以吗？",
    # benign support ask for a non-sensitive thing
    "请提供订单号，我帮您查询卡密发货状态",
    # English
    "Your gift card code is XK4P-77QM-R2TZ. Keep it private.",
    "Never share your gift card codes with anyone claiming to be support.",
    "Someone asked me to read out my redeem code, is this a scam?",
    "How do I redeem the code I bought?",
    "Please send a screenshot of your order page so I can check the delivery.",
    "Your activation code has been emailed to you.",
    "We never ask for gift card PINs.",
]


@pytest.mark.parametrize(("text", "evidence"), POSITIVE)
def test_when_card_secret_is_asked_for_then_fires(analyzer, text, evidence):
    assert_fires(analyzer, text, CODE, evidence)


@pytest.mark.parametrize("text", NEGATIVE)
def test_when_card_secret_is_not_asked_for_then_silent(analyzer, text):
    assert_silent(analyzer, text, CODE)
