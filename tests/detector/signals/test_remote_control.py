"""remote_control: the writer asks the user to share the screen or install remote-control software."""

import pytest

from tests.detector.signals.conftest import assert_fires, assert_silent

CODE = "remote_control"

POSITIVE = [
    # (text, evidence): evidence is a substring of text that a finding must cover
    ("请打开屏幕共享，我一步步教您操作退款", "屏幕共享"),
    ("您先下载一个腾讯会议，会议号是 825 331 907，进来后共享屏幕", "腾讯会议"),
    ("麻烦安装ToDesk，把设备代码和临时密码发给我", "ToDesk"),
    ("您下载一下向日葵远程控制，我远程帮您处理", "向日葵"),
    ("需要远程协助您操作，请点击接受远程请求", "远程协助"),
    ("请在手机上开启共享屏幕，我看着您操作", "共享屏幕"),
    ("我们需要通过AnyDesk远程帮您取消扣费", "AnyDesk"),
    ("装一下TeamViewer，我远程帮您把钱退回", "TeamViewer"),
    ("进入会议后请点击屏幕共享，我指导您关闭会员自动续费", "屏幕共享"),
    # obfuscated
    ("请打开屏幕分享，我教你怎么退款", "屏幕分享"),
    ("請開啟遠程協助，我幫您處理退款", "遠程協助"),
    ("麻烦开一下屏\u200b幕共享，我帮你看看", "屏\u200b幕共享"),
    ("请打开 屏.幕.共.享 我教您操作", "屏.幕.共.享"),
    ("请下载ＡｎｙＤｅｓｋ，把九位数的地址发给我", "ＡｎｙＤｅｓｋ"),
    ("Please ShArE yOuR sCrEeN so I can guide you through the refund.", "ShArE yOuR sCrEeN"),
    # English
    ("Please share your screen so I can walk you through the refund.", "share your screen"),
    ("Install AnyDesk and tell me the address it shows.", "AnyDesk"),
    ("Download TeamViewer so our technician can fix your account remotely.", "TeamViewer"),
    ("Join the Zoom meeting and turn on screen sharing, I'll guide you.", "screen sharing"),
    (
        "I need remote access to your phone to cancel the charge, please install the app I send.",
        "remote access",
    ),
    # 取消 is the pretext here, not a negation of the ask
    ("如需取消请下载会议软件共享屏幕", "共享屏幕"),
]

NEGATIVE = [
    # warnings
    "不要与陌生人屏幕共享，谨防诈骗",
    "平台客服不会要求您下载ToDesk、向日葵等远程软件",
    "凡是让你开屏幕共享的都是骗子",
    "请勿下载任何远程控制软件，更不要共享屏幕",
    "温馨提示：切勿在通话中开启屏幕共享",
    # users asking whether it is normal / reporting someone else's ask
    "客服让我开屏幕共享，这正常吗？",
    "有人叫我下载腾讯会议操作退款，是不是诈骗",
    "对方发来一个ToDesk下载链接，我没点，应该没事吧？",
    "怎么关闭手机的屏幕共享功能？",
    # unrelated
    "您好，请发一下订单截图，我帮您查询",
    "充值已到账，请重新登录游戏查看",
    "向日葵种子多少钱一包？",
    "屏幕一直黑屏，游戏进不去怎么办",
    # English
    "Never share your screen with someone who contacts you out of the blue.",
    "Someone asked me to install AnyDesk to get a refund, is this a scam?",
    "We will never ask you to install remote access software.",
    "My screen freezes when I open the top-up page.",
    "Your order has been delivered, please check your game mailbox.",
    "Support agents will never request screen sharing.",
]


@pytest.mark.parametrize(("text", "evidence"), POSITIVE)
def test_when_remote_control_is_requested_then_fires(analyzer, text, evidence):
    assert_fires(analyzer, text, CODE, evidence)


@pytest.mark.parametrize("text", NEGATIVE)
def test_when_remote_control_is_not_requested_then_silent(analyzer, text):
    assert_silent(analyzer, text, CODE)
