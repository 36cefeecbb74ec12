"""requests_bank_card: the writer asks for bank card details (card number, CVV, expiry, account)."""

import pytest

from tests.detector.signals.conftest import assert_fires, assert_silent

CODE = "requests_bank_card"

POSITIVE = [
    # (text, evidence): evidence is a substring of text that a finding must cover
    ("请提供您的银行卡号，我们把退款原路打回", "银行卡号"),
    ("麻烦把卡背面的三位安全码发给我核对一下", "安全码"),
    ("请填写您的银行卡号和开户行，方便给您退款", "银行卡号"),
    ("请告诉我信用卡的有效期，系统需要核验", "有效期"),
    ("您的卡号是多少？我这边登记一下", "卡号"),
    ("需要您提供收款的银行卡号，才能给您退还保证金", "银行卡号"),
    ("麻烦报一下您绑定的那张卡的卡号", "卡号"),
    ("请输入信用卡CVV码完成身份核验", "CVV"),
    ("把银行卡号截图发给我，财务马上给您打款", "银行卡号"),
    # a fake warning in one clause, the ask in the next
    ("平台不会向您索要密码，但赔付需要您提供银行卡号", "银行卡号"),
    # obfuscated
    ("請提供您的銀行卡號和有效期，以便退款", "銀行卡號"),
    ("请把卡片背面的ＣＶＶ告诉我", "ＣＶＶ"),
    ("请把您的银行\u200b卡号发给我，退款马上到账", "银行\u200b卡号"),
    ("麻烦发一下你的yhk号，我给你转退款", "yhk"),
    ("请提供银.行.卡号，方便给你退款", "银.行.卡号"),
    ("Please send me your CaRd NuMbEr and expiry date.", "CaRd NuMbEr"),
    # English
    ("Please provide your card number so we can issue the refund.", "card number"),
    ("What is the CVV on the back of your card?", "CVV"),
    ("Tell me the expiry date of your credit card to verify it.", "expiry date"),
    ("Enter your bank account details below to receive the compensation.", "bank account details"),
    ("Can you give me the 16-digit card number and the security code?", "card number"),
]

NEGATIVE = [
    # the object with no ask / ordinary notices
    "退款将原路退回到您支付时使用的银行卡，预计1-3个工作日到账",
    "您尾号8842的银行卡于今日支付49.90元",
    "我的银行卡过期了，怎么换绑新卡？",
    "绑定银行卡时提示卡号格式错误怎么办",
    "支付失败，银行卡余额不足",
    "本店支持银行卡、支付宝和微信支付",
    # warnings
    "客服不会索要您的银行卡号和安全码",
    "请勿将卡号、有效期和CVV告诉任何人",
    "凡是索要CVV安全码的都是诈骗",
    "不要把卡号和安全码填写到陌生网页上",
    # asking whether an ask is real / reporting someone else's ask
    "对方叫我提供银行卡号，这是不是骗子",
    "收到有人发短信让我填写银行卡有效期，是真的吗？",
    # benign support asks for non-sensitive things
    "麻烦提供一下订单号，我帮您查一下退款进度",
    "请发一下支付成功的订单截图",
    # English
    "We will never ask for your card number or CVV.",
    "Refunds go back to the original card within 3-5 business days.",
    "Someone asked me to send them my card number, is this legit?",
    "My card expired, how do I update it?",
    "Never type your CVV into a chat window.",
    "Please provide your order number and the email used at checkout.",
]


@pytest.mark.parametrize(("text", "evidence"), POSITIVE)
def test_when_card_details_are_asked_for_then_fires(analyzer, text, evidence):
    assert_fires(analyzer, text, CODE, evidence)


@pytest.mark.parametrize("text", NEGATIVE)
def test_when_card_details_are_not_asked_for_then_silent(analyzer, text):
    assert_silent(analyzer, text, CODE)
