"""requests_otp: the writer asks the user to hand over a one-time verification code (验证码/OTP)."""

import pytest

from tests.detector.signals.conftest import assert_fires, assert_silent

CODE = "requests_otp"

POSITIVE = [
    # (text, evidence): evidence is a substring of text that a finding must cover
    ("您好，请把手机收到的验证码发给我核实一下", "验证码"),
    ("亲，系统刚给您发了一条短信，麻烦把里面的6位验证码报一下", "验证码"),
    ("退款需要您本人确认，请告诉我您刚收到的动态码", "动态码"),
    ("请在下方输入框填写收到的校验码，我这边帮您解除限制", "校验码"),
    ("麻烦您念一下短信里的验证码，我帮您取消自动扣费", "验证码"),
    ("您把收到的验证码回复给我就行，系统马上给您退款", "验证码"),
    ("为了核对身份，请提供一下手机短信验证码", "验证码"),
    ("您好，刚才发到您手机上的验证码是多少？", "验证码"),
    ("亲，需要您把短信验证码截图发到这个对话框里", "验证码"),
    ("验证码给我一下，我这边帮您把Q币退回去", "验证码"),
    # a fake warning in one clause, the ask in the next
    ("官方不会向您索要验证码，但这次退款比较特殊，需要您把短信里的校验码发给我", "校验码"),
    # obfuscated
    ("請把收到的驗證碼發給我，我幫您加急處理", "驗證碼"),
    ("亲，麻烦把验\u200b证码发一下，我这边帮您操作退款", "验\u200b证码"),
    ("把手机上的验.证.码告诉我，马上帮您解冻", "验.证.码"),
    ("把收到的yzm发我一下，我帮你绑定充值账户", "yzm"),
    ("请输入 验 证 码 完成退款确认", "验 证 码"),
    ("Kindly provide the VeRiFiCaTiOn CoDe from your SMS.", "VeRiFiCaTiOn CoDe"),
    ("Please type the ＯＴＰ here to unlock your order.", "ＯＴＰ"),
    # English
    ("Please send me the verification code you just received by SMS.", "verification code"),
    ("Can you read out the OTP that just arrived on your phone?", "OTP"),
    ("Reply with the verification code so I can confirm your identity.", "verification code"),
    ("What is the OTP in the message we sent you?", "OTP"),
    (
        "Please enter the verification code in the chat box to complete the refund.",
        "verification code",
    ),
    (
        "Our staff never ask for codes, but for this refund you need to send me the OTP.",
        "OTP",
    ),
    # "if you don't" is a threat, not a negation
    (
        "If you don't send the verification code now, your account will be frozen.",
        "verification code",
    ),
    ("刚才发你手机的那个码麻烦发我一下", "那个码"),
    ("把你手机上收到的6位数发我一下，我帮你退款", "6位数"),
    ("Please send me the 6 digits we texted you.", "6 digits we texted"),
    # the object ends one clause, the ask opens the next
    ("你手机上刚来的那个6位数，麻烦发给我", "6位数"),
    ("刚才那条短信里的验证码，直接发我一下就行", "验证码"),
]

NEGATIVE = [
    # the code is given, not asked for
    "【速充】您的验证码为482913，5分钟内有效，请勿泄露给他人。",
    "【卡盟】您的动态码：7731，用于登录验证，切勿转发。",
    # warnings
    "客服不会索要您的验证码，请注意保护账户安全",
    "请勿将验证码告诉任何人，包括自称客服的人员",
    "凡是索要验证码的都是骗子，请直接挂断",
    "温馨提示：不要向任何人提供短信校验码。",
    "我们绝不会通过电话或聊天向您索取验证码",
    # asking whether an ask is real / reporting someone else's ask
    "有人让我把验证码发给他，是真的吗？",
    "刚才一个自称客服的人叫我报验证码，这是不是诈骗啊",
    # the object with no ask
    "验证码收不到怎么办？",
    "我点了获取验证码，但是一直没有短信",
    "验证码输错三次了，账号被临时锁定，要等多久？",
    # benign support asks for non-sensitive things
    "您好，请提供一下订单号，我帮您查询充值进度",
    "麻烦发一下订单截图，我这边核对一下",
    "请告诉我您的游戏角色名和区服，方便为您补发",
    # English
    "Your verification code is 558201. It expires in 5 minutes. Do not share it with anyone.",
    "Never share your code with anyone, including our staff.",
    "We will never ask for your OTP over chat or phone.",
    "Someone asked me to send them the verification code, is this legit?",
    "I didn't receive the verification code, can you resend it?",
    "Please send me your order number so I can check the top-up status.",
    "The verification code field is not showing on the checkout page.",
    # "no need to" is a negation too
    "您好，退款会原路退回，无需提供密码或验证码",
    "You don't need to send us your verification code, the refund is automatic.",
    "We won't ask for your OTP.",
    # the next clause's ask belongs to a condition, or the code is given
    "如果验证码过期了，请重新获取",
    "验证码，请勿告诉任何人",
    # a verdict on the whole sentence
    "要求您把验证码转发过去的，是典型的诈骗",
    # a scammer's line quoted after a colon is reported speech
    "骗子会说：请把验证码发给我，千万别信",
    "Scammers will say: send me the verification code. Hang up.",
]


@pytest.mark.parametrize(("text", "evidence"), POSITIVE)
def test_when_code_is_asked_for_then_fires(analyzer, text, evidence):
    assert_fires(analyzer, text, CODE, evidence)


@pytest.mark.parametrize("text", NEGATIVE)
def test_when_code_is_not_asked_for_then_silent(analyzer, text):
    assert_silent(analyzer, text, CODE)
