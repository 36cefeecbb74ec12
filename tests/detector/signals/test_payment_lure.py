"""payment_lure: the writer asks the user to pay a deposit or fee, or move money to "prove" or unlock something."""

import pytest

from tests.detector.signals.conftest import assert_fires, assert_silent

CODE = "payment_lure"

POSITIVE = [
    # (text, evidence): evidence is a substring of text that a finding must cover
    ("您的账户被冻结，需要先缴纳500元保证金才能解冻", "保证金"),
    ("提现需要支付手续费200元，交完马上到账", "手续费"),
    ("请先把钱转到我们的安全账户，核实后全额退还", "安全账户"),
    ("您需要缴纳激活费来开通退款通道", "激活费"),
    ("账户异常，需要交1000元解冻费", "解冻费"),
    ("需要您在借呗借一笔钱验证流水，证明您有还款能力", "验证流水"),
    ("请打开备用金借出2000元，证明账户正常，之后全部退还", "备用金"),
    ("刷单返利，做一单返10%佣金，先垫付后返还", "刷单"),
    ("您的信誉分不足，需要充值刷流水才能提现", "刷流水"),
    ("请购买一张500元的京东卡作为保证金，核实后退回", "保证金"),
    ("需要通过网贷刷出流水来证明身份，放心，钱会退给您", "网贷"),
    # obfuscated
    ("請先繳納保證金，才能解凍您的帳戶", "保證金"),
    ("提现前请先缴纳解\u200b冻费300元", "解\u200b冻费"),
    ("请将资金转到安全賬戶，核实后返还", "安全賬戶"),
    ("You need to pay a PrOcEsSiNg FeE of $50 before we can release the refund.", "PrOcEsSiNg FeE"),
    ("Pay the ＵＮＬＯＣＫ ＦＥＥ of 30 dollars to restore your account.", "ＵＮＬＯＣＫ ＦＥＥ"),
    # English
    ("Transfer your balance to a safe account so the scammers can't take it.", "safe account"),
    ("A refundable deposit of $200 is required to unlock your withdrawal.", "deposit"),
    ("Please buy three $100 Apple gift cards and send me the codes to pay the fee.", "gift cards"),
    ("You must pay an unlock fee before the funds are released.", "unlock fee"),
    ("There is a processing fee of $35 to complete your refund.", "processing fee"),
]

NEGATIVE = [
    # warnings quoting the lure
    "公安机关不存在所谓的安全账户，请勿转账",
    "凡是要求缴纳保证金、解冻费才能退款的都是诈骗",
    "刷单返利都是诈骗，千万不要相信",
    "银行不会让您把钱转到所谓的安全账户",
    # asking whether it is real
    "对方让我交保证金才能退款，这是不是骗子？",
    "商家入驻需要缴纳保证金吗？",
    # ordinary price talk and transaction notices
    "这张100元Q币卡售价98元，需要的话直接下单",
    "您的订单已支付成功，金额49.00元",
    "退款已原路返回，预计1-3个工作日到账",
    "提现不收取任何手续费",
    "这个点卡有没有优惠？买十张能便宜点吗",
    "支付宝付款时提示余额不足，可以用花呗吗？",
    "您购买的卡密已发货，请在订单详情查看",
    "月卡续费价格是30元一个月",
    # English
    "There is no such thing as a 'safe account'. Police will never ask you to move money.",
    "Your payment of $20.00 was successful.",
    "Someone told me to pay an unlock fee to get my refund, is that real?",
    "This Steam wallet card costs $50 and is delivered instantly.",
    "We never charge fees for refunds.",
    "Refunds usually arrive within 3-5 business days.",
]


@pytest.mark.parametrize(("text", "evidence"), POSITIVE)
def test_when_payment_is_lured_then_fires(analyzer, text, evidence):
    assert_fires(analyzer, text, CODE, evidence)


@pytest.mark.parametrize("text", NEGATIVE)
def test_when_no_payment_is_lured_then_silent(analyzer, text):
    assert_silent(analyzer, text, CODE)
