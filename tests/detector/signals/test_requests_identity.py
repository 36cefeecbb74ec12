"""requests_identity: the writer asks for identity documents, ID numbers or face verification."""

import pytest

from tests.detector.signals.conftest import assert_fires, assert_silent

CODE = "requests_identity"

POSITIVE = [
    # (text, evidence): evidence is a substring of text that a finding must cover
    ("请提供您的身份证号，我们需要实名核验", "身份证号"),
    ("麻烦拍一张身份证正反面照片发给我", "身份证"),
    ("需要您上传手持身份证的照片，才能解冻账户", "手持身份证"),
    ("您的身份证号码是多少？我帮您登记实名", "身份证号码"),
    ("请告诉我您的身份证号后六位", "身份证号"),
    ("请填写真实姓名和身份证号码以领取赔付", "身份证号码"),
    ("需要您发一下本人自拍和身份证照片", "身份证照片"),
    ("请按提示去刷脸，然后把人脸识别结果截图发给我", "人脸识别"),
    # a fake warning in one clause, the ask in the next
    ("客服不会要您的验证码，但实名认证需要您提供身份证照片", "身份证照片"),
    # obfuscated
    ("請提供您的身份證號碼，我們要核實身份", "身份證號碼"),
    ("把你的sfz正反面拍照发我", "sfz"),
    ("请上传身\u200b份证照片完成认证", "身\u200b份证"),
    ("麻烦报一下身份正号码，系统要核对", "身份正"),
    ("请把身.份.证号码发给我", "身.份.证"),
    ("Please UpLoAd a photo of your ID CaRd to continue.", "ID CaRd"),
    # English
    ("Please send me a photo of your passport to verify your identity.", "passport"),
    ("Upload a selfie holding your ID card so we can unlock the account.", "selfie"),
    ("What is your Social Security number?", "Social Security number"),
    ("Please provide your ID card number and full name.", "ID card number"),
    ("Tell me your SSN so I can confirm the refund.", "SSN"),
]

NEGATIVE = [
    # a condition in the object's clause: the next clause asks for something else
    "如人脸验证失败，请回复本工单并附上异常提示页面的截图",
    # warnings
    "客服不会索要您的身份证照片",
    "请勿将身份证号码告诉陌生人",
    "凡是在聊天里索要身份证的都是骗子",
    "不要把身份证照片发给任何人",
    "实名认证请在App内“设置-实名认证”中自行完成，平台不会通过聊天索要证件",
    # asking whether an ask is real / reporting someone else's ask
    "对方让我提供手持身份证照片，这是不是骗子？",
    "有个人说要我刷脸才能退款，这正常吗",
    # the object with no ask
    "我的身份证丢了，还能实名认证吗？",
    "未成年人账号受防沉迷限制，具体以身份证实名信息为准",
    "人脸识别一直失败怎么办？",
    "身份证过期了需要重新认证吗",
    # benign support asks for non-sensitive things
    "请提供一下订单号和游戏角色名",
    "请发一下充值记录的截图",
    # English
    "We will never ask you to send your ID card or passport in chat.",
    "Someone asked me for a selfie with my ID, is that a scam?",
    "My passport expired, can I still verify my account?",
    "Never share your Social Security number with anyone online.",
    "Please tell me the character name and server so I can resend the items.",
    "Face verification keeps failing on my phone.",
]


@pytest.mark.parametrize(("text", "evidence"), POSITIVE)
def test_when_identity_is_asked_for_then_fires(analyzer, text, evidence):
    assert_fires(analyzer, text, CODE, evidence)


@pytest.mark.parametrize("text", NEGATIVE)
def test_when_identity_is_not_asked_for_then_silent(analyzer, text):
    assert_silent(analyzer, text, CODE)
