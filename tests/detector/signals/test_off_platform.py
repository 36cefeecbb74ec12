"""off_platform: the writer moves the user off the platform (add me on QQ/WeChat, links, apps, QR codes)."""

import pytest

from tests.detector.signals.conftest import assert_fires, assert_silent

CODE = "off_platform"

POSITIVE = [
    # (text, evidence): evidence is a substring of text that a finding must cover
    ("这边处理不了，加我QQ 245813679 详细说", "加我QQ"),
    ("请添加我的微信，我拉您进售后群处理", "微信"),
    ("点击这个链接办理退款，填写完马上到账", "链接"),
    ("退款请打开 http://kf-refund.cc/r?id=88 填写信息", "kf-refund.cc"),
    ("请下载我们的退款APP，在里面操作", "APP"),
    ("扫一下这个二维码，进群领取补偿", "二维码"),
    ("加我V，我单独给你退", "加我V"),
    ("您加薇信 kf8866，我给您发退款链接", "薇信"),
    ("加vx：tuikuan_01，备注订单号", "vx"),
    ("请下载“安心退”软件，注册后联系在线客服", "软件"),
    ("复制这个网址到浏览器打开：www.kamen-tk.com", "www.kamen-tk.com"),
    # obfuscated
    ("平台这边不方便，加一下企鹅 375520981 私聊", "企鹅"),
    ("請掃描二維碼加入售後群", "二維碼"),
    ("加我微\u200b信详细说，这里会被屏蔽", "微\u200b信"),
    ("加我ＱＱ：９８７６５４３２１", "ＱＱ"),
    ("请加我的 微.信，方便沟通", "微.信"),
    ("退款走不了平台，加我扣扣聊", "扣扣"),
    ("Add me on WeChAt, my id is support_888", "WeChAt"),
    # English
    ("Add me on WhatsApp so we can sort this out faster.", "WhatsApp"),
    ("Click this link in the SMS to claim your refund.", "link"),
    ("Download the app from our site to finish the refund.", "app"),
    ("Scan the QR code to join our refund group.", "QR code"),
    ("Message me on Telegram @kefu_help, this chat is monitored.", "Telegram"),
]

NEGATIVE = [
    # a link in a complaint or a reply is not a push to leave the platform
    "@速充客服 你们网速慢成这样还好意思收钱？ http://t.cn/Rz184YH",
    "Rubbish service @TelecomCare http://t.cn/Rz1a2B3 fix it now",
    "You can check your bill in the online business hall (website: www.189.cn).",
    # warnings
    "请勿添加陌生人微信，谨防诈骗",
    "不要点击陌生链接，所有售后均在平台内处理",
    "客服不会让您下载任何APP，请在平台内沟通",
    "凡是让你扫码进群领补偿的都是骗子",
    # users asking if it is safe / reporting someone else's ask
    "有人让我加他QQ说可以退款，安全吗？",
    "这个链接是官方的吗？我不敢点",
    "对方发了一个二维码让我扫，是真的吗",
    # staying on the platform / unrelated mentions
    "您好，请提供订单号，我在这里帮您查",
    "售后问题请直接在本对话中留言，我们会尽快回复",
    "我的微信支付失败了，能换支付宝吗",
    "充值的QQ号填错了，能改吗？",
    "您购买的Q币已充值到QQ号 123456789，请查收",
    "微信红包可以用来买点卡吗？",
    # English
    "Never click links sent by people claiming to be support.",
    "Someone asked me to add them on WhatsApp for a refund, is it safe?",
    "We only provide support inside this chat window.",
    "Do not scan QR codes from strangers.",
    "Your Q coins have been credited to QQ 384712953.",
    "Is it safe to download apps from links in SMS?",
]


@pytest.mark.parametrize(("text", "evidence"), POSITIVE)
def test_when_moved_off_platform_then_fires(analyzer, text, evidence):
    assert_fires(analyzer, text, CODE, evidence)


@pytest.mark.parametrize("text", NEGATIVE)
def test_when_kept_on_platform_then_silent(analyzer, text):
    assert_silent(analyzer, text, CODE)
