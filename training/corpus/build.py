"""Expand the hand-written seed templates into ``messages.csv``.

Usage (from the repository root)::

    python -m training.corpus.build            # writes training/corpus/messages.csv
    python training/corpus/build.py --check    # build in memory, print counts, write nothing

Every template in ``seeds/*.yaml`` was written by the kefuguard project; no outside data is
used.  A template expands into a handful of rows by filling its ``{slots}`` from
``seeds/slots.yaml`` and by light surface variation (punctuation, whitespace, greetings).
Roughly 10 % of the rows of *both* classes are additionally obfuscated (traditional
characters, variant spellings, full-width characters, Chinese numerals, digit separators,
zero-width spaces) so that obfuscation itself is not a label signal.

The output is deterministic: the base seed is ``random.Random(20261127)``; every template
draws from its own sub-stream derived from that seed and its id, so editing one template does
not reshuffle the rows of the others.  Only the standard library and PyYAML are used.
"""

from __future__ import annotations

import argparse
import csv
import functools
import io
import os
import random
import re
import sys
from collections import Counter
from pathlib import Path

import yaml

SEED = 20261127
HERE = Path(__file__).resolve().parent
SEEDS_DIR = HERE / "seeds"
SLOTS_FILE = SEEDS_DIR / "slots.yaml"
OUT_FILE = HERE / "messages.csv"
COLUMNS = ("text", "label", "category", "lang", "group")

SCAM_CATEGORIES = (
    "fake_customer_service",
    "impersonation_authority",
    "impersonation_acquaintance",
    "phishing",
    "payment_lure",
)
BENIGN_CATEGORIES = (
    "support_reply",
    "otp_notice",
    "safety_notice",
    "user_question",
    "user_complaint",
    "transaction_notice",
    "marketing",
    "chat",
)
LANGS = ("zh", "en")

# Templates per scenario group, and long composite rows made per scenario.
SCENARIO_SIZE = 4
COMPOSITES_PER_SCENARIO = {"zh": 4, "en": 3}

# Rows per template: BASE + PER_SLOT * (number of distinct slots), clipped to [BASE, MAX].
ROW_BASE = {"zh": 6, "en": 5}
ROW_PER_SLOT = {"zh": 2, "en": 2}
ROW_MAX = {"zh": 12, "en": 10}
OBFUSCATION_RATE = 0.10

# SMS sender headers ("【游卡网客服】"). Real SMS of both labels carry one, so a header must not
# read as "official": it goes on the same share of short zh rows of every category that is sent
# as SMS, scam and benign alike, drawn from one pool of senders.
HEADER_RATE = 0.12
HEADER_MAX_CHARS = 160
HEADER_CATEGORIES = {
    "fake_customer_service",
    "impersonation_authority",
    "phishing",
    "payment_lure",
    "support_reply",
    "otp_notice",
    "safety_notice",
    "transaction_notice",
    "marketing",
}
HEADER_SLOTS = ("platform", "bank", "courier", "carrier", "ecommerce")
HEADER_SUFFIXES = ("", "", "客服", "官方", "售后", "服务中心")

SLOT_RE = re.compile(r"\{([a-z_]+?)(\d?)\}")
ZWSP = "\u200b"

# ------------------------------
# Greetings.  Notices (SMS templates) never get a greeting added or removed.
# ------------------------------
NO_GREETING = {"otp_notice", "transaction_notice", "marketing", "safety_notice"}
ZH_GREETINGS = {
    "formal": ["您好，", "您好！", "尊敬的用户您好，", "你好，", "亲，", "亲亲，", "亲您好，"],
    "casual": ["在吗？", "在不", "哈喽，", "诶，", "hi，", "你好，", "嗨～", "在吗"],
}
EN_GREETINGS = {
    "formal": ["Hello, ", "Hi, ", "Dear customer, ", "Good day, ", "Hello there, "],
    "casual": ["hey ", "Hi! ", "hey, ", "hiya ", "Hello, "],
}
# Sentence starters that may be lower-cased after a greeting is prepended (never names/brands).
EN_LOWERABLE_STARTERS = {
    "Your",
    "We",
    "We've",
    "We're",
    "This",
    "Thanks",
    "Thank",
    "Sorry",
    "Please",
    "Can",
    "Could",
    "Is",
    "Are",
    "Did",
    "Do",
    "Does",
    "Just",
    "Got",
    "My",
    "Someone",
    "How",
    "Why",
    "Our",
    "Good",
    "Quick",
    "Oh",
    "Don't",
    "To",
    "The",
    "It's",
    "Happy",
    "That",
    "Apologies",
    "Congratulations",
    "Congrats",
    "For",
    "Waited",
    "Parcel",
    "Refund",
    "Selling",
    "Cheap",
    "Earn",
    "Limited",
    "Free",
    "Yeah",
    "Sure",
    "Meeting",
    "Rent",
    "Dinner",
    "New",
    "Guess",
    "Which",
    "What",
    "Where",
    "A",
    "Team",
    "Boss",
    "Scan",
    "Hey",
    "Some",
    "Reseller",
    "Pre-approved",
    "Court",
    "Immigration",
    "Jury",
    "Important",
    "Reminder",
    "If",
    "I'm",
    "It",
}
CASUAL_CATEGORIES = {"chat", "impersonation_acquaintance", "user_question", "user_complaint"}
ZH_GREETING_RE = re.compile(
    r"^(?:您好|你好|亲亲|亲您好|亲爱的用户|亲|在吗|在不|哈喽|嗨|hi|hello|尊敬的[^，,。！!\s]{0,10}?(?:用户|客户|会员|先生|女士)(?:您好)?)"
    r"[，,。！!？?～~\s]*",
    re.IGNORECASE,
)
EN_GREETING_RE = re.compile(
    r"^(?:hello there|hello|hi there|hiya|hi|hey|good day|dear (?:customer|user|member|valued customer))[,!.]?\s+",
    re.IGNORECASE,
)

# ------------------------------
# Obfuscation tables (written for this project).
# ------------------------------
ZH_TRAD_WORDS = {
    "联系": "聯繫",
    "关系": "關係",
    "系统": "系統",
    "后台": "後台",
    "里面": "裡面",
    "发现": "發現",
    "头发": "頭髮",
    "干什么": "幹什麼",
    "面对": "面對",
}
ZH_TRAD_CHARS = dict(
    zip(
        "验证码账号补偿户请务为银转处订单异费额冻结资这个们时间会员动续现发给让说话认识关开门问题该输击点链载网络钱还没对么吗将过进应实体险护复级东车书买卖优礼奖励领导办儿妈爷亲爱经济报录陆绑邮递丢赔广达运营与业专传长历视频听语紧风决种样无扫码统额厅讯腾线币贷馆庆节号详细册获积分兑换讲这谁诈骗警检察罚涉嫌调查协助监违规属实权处听钟价值宝贝卖场团购质询问页面闻乐游戏满减费"
        "们欢迎纪录签约"
        "类帮笔当误设仓库于错尽挂断机构绝诉确数据执简称万亿块红区杀战肤卫药医疗连锁罗备软议审征乱饭伤术态总产师学习马电课脑择",
        "驗證碼帳號補償戶請務為銀轉處訂單異費額凍結資這個們時間會員動續現發給讓說話認識關開門問題該輸擊點鏈載網絡錢還沒對麼嗎將過進應實體險護復級東車書買賣優禮獎勵領導辦兒媽爺親愛經濟報錄陸綁郵遞丟賠廣達運營與業專傳長歷視頻聽語緊風決種樣無掃碼統額廳訊騰線幣貸館慶節號詳細冊獲積分兌換講這誰詐騙警檢察罰涉嫌調查協助監違規屬實權處聽鐘價值寶貝賣場團購質詢問頁面聞樂遊戲滿減費"
        "們歡迎紀錄簽約"
        "類幫筆當誤設倉庫於錯盡掛斷機構絕訴確數據執簡稱萬億塊紅區殺戰膚衛藥醫療連鎖羅備軟議審徵亂飯傷術態總產師學習馬電課腦擇",
        strict=True,
    )
)
ZH_VARIANTS = {
    "加微信": ["加V", "加vx", "加薇", "+V", "加wx", "加威"],
    "微信": ["薇信", "威信", "V信", "vx", "wx", "微❤", "徽信", "WeChat"],
    "QQ": ["扣扣", "企鹅", "qq", "Q Q", "抠抠", "口口"],
    "验证码": ["yzm", "验.证.码", "验 证 码", "验证玛", "验证吗", "驗证码", "YZM"],
    "客服": ["客 服", "客.服", "kf", "客fu", "刻服"],
    "银行卡": ["yhk", "银 行 卡", "银行k", "银hang卡"],
    "支付宝": ["zfb", "支 付 宝", "吱付宝", "支fu宝"],
    "转账": ["转帐", "zhuan账", "转 账", "专账"],
    "退款": ["退 款", "退k", "退kuan"],
    "密码": ["mm", "蜜码", "密 码", "秘码"],
    "屏幕共享": ["屏幕分享", "屏 幕 共 享", "屏慕共享", "共享屏幕"],
    "保证金": ["bzj", "保 证 金", "保正金"],
    "刷单": ["shua单", "刷 单", "S单"],
    "返利": ["返 利", "fan利"],
    "链接": ["链 接", "lian接", "连接"],
    "下载": ["下 载", "xia载"],
    "身份证": ["sfz", "身 份 证", "身份正"],
    "贷款": ["dk", "带款", "贷 款"],
    "兼职": ["jian职", "兼 职", "兼值"],
    "卡密": ["卡 密", "卡蜜", "km"],
    "安全账户": ["安全帐户", "安 全 账 户", "安全zh户"],
    "理赔": ["理 赔", "li赔"],
    "冻结": ["冻 结", "冻洁"],
    "公安": ["公 安", "gong安"],
    "手机号": ["手机hao", "手 机 号", "sjh"],
    "充值": ["冲值", "充 值", "chong值"],
}
ZH_ZW_KEYWORDS = [
    "验证码",
    "客服",
    "退款",
    "微信",
    "转账",
    "银行卡",
    "密码",
    "账户",
    "账号",
    "屏幕共享",
    "卡密",
    "支付宝",
    "保证金",
    "解冻",
    "理赔",
    "链接",
    "下载",
    "安全",
    "冻结",
    "充值",
    "刷单",
]
EN_ZW_KEYWORDS = [
    "password",
    "code",
    "gift card",
    "PayPal",
    "Amazon",
    "verify",
    "account",
    "refund",
    "bank",
    "login",
    "Apple",
    "suspended",
    "crypto",
    "wallet",
    "payment",
]
EN_HOMOGLYPHS = {
    "PayPal": ["PayPa1", "PaypaI", "Pay-Pal", "P4yPal"],
    "Amazon": ["Amaz0n", "Arnazon", "Amazom", "A-mazon"],
    "Apple": ["App1e", "AppIe", "Appl3"],
    "password": ["passw0rd", "pass word", "p@ssword", "pwd"],
    "code": ["c0de", "c-o-d-e", "c o d e", "cod3"],
    "gift card": ["giftcard", "g1ft card", "gift-card", "g!ft card"],
    "account": ["acc0unt", "acct", "a/c"],
    "verify": ["verifiy", "v3rify", "ver1fy"],
    "refund": ["re-fund", "refnd", "r3fund"],
    "bank": ["b4nk", "bnak"],
    "Bitcoin": ["BTC", "bit coin", "B1tcoin"],
    "WhatsApp": ["Whats App", "WA", "whatsap"],
    "Telegram": ["TG", "Tele gram", "telegrm"],
}
ZH_NUMERALS = [
    {
        "0": "零",
        "1": "一",
        "2": "二",
        "3": "三",
        "4": "四",
        "5": "五",
        "6": "六",
        "7": "七",
        "8": "八",
        "9": "九",
    },
    {
        "0": "〇",
        "1": "幺",
        "2": "二",
        "3": "三",
        "4": "四",
        "5": "五",
        "6": "六",
        "7": "拐",
        "8": "八",
        "9": "勾",
    },
    {
        "0": "零",
        "1": "壹",
        "2": "贰",
        "3": "叁",
        "4": "肆",
        "5": "伍",
        "6": "陆",
        "7": "柒",
        "8": "捌",
        "9": "玖",
    },
]
DIGIT_RUN_RE = re.compile(r"(?<![0-9A-Za-z])[0-9]{5,12}(?![0-9A-Za-z])")
MOBILE_RE = re.compile(r"(?<![0-9])(1[3-9][0-9])([0-9]{4})([0-9]{4})(?![0-9])")


class SeedError(ValueError):
    pass


# ------------------------------
# Loading
# ------------------------------
def load_slots(path: Path = SLOTS_FILE) -> dict[str, dict[str, list[str]]]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    slots: dict[str, dict[str, list[str]]] = {}
    for scope in ("common", *LANGS):
        table = raw.get(scope) or {}
        slots[scope] = {}
        for name, values in table.items():
            if isinstance(values, dict):
                values = values.get("patterns") or []
            values = [str(v) for v in values]
            if not values:
                raise SeedError(f"slot {scope}.{name} has no values")
            slots[scope][name] = values
    return slots


def load_templates(seeds_dir: Path = SEEDS_DIR) -> list[dict]:
    templates: list[dict] = []
    seen: dict[str, str] = {}
    for path in sorted(seeds_dir.glob("*.yaml")):
        if path.name == SLOTS_FILE.name:
            continue
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        defaults = raw.get("defaults") or {}
        for entry in raw.get("templates") or []:
            tpl = {**defaults, **entry, "file": path.name}
            tid = str(tpl.get("id", ""))
            if not tid:
                raise SeedError(f"{path.name}: template without id: {entry!r}")
            if tid in seen:
                raise SeedError(f"duplicate template id {tid} in {path.name} and {seen[tid]}")
            seen[tid] = path.name
            for key in ("label", "category", "lang", "text"):
                if not tpl.get(key):
                    raise SeedError(f"{tid}: missing {key}")
            tpl["text"] = (
                " ".join(str(tpl["text"]).split())
                if tpl["lang"] == "en"
                else str(tpl["text"]).strip()
            )
            cats = SCAM_CATEGORIES if tpl["label"] == "scam" else BENIGN_CATEGORIES
            if tpl["label"] not in ("scam", "benign") or tpl["category"] not in cats:
                raise SeedError(f"{tid}: bad label/category {tpl['label']}/{tpl['category']}")
            if tpl["lang"] not in LANGS:
                raise SeedError(f"{tid}: bad lang {tpl['lang']}")
            templates.append(tpl)
    return templates


# ------------------------------
# Slot filling
# ------------------------------
def expand_pattern(value: str, rng: random.Random) -> str:
    out = []
    for ch in value:
        if ch == "#":
            out.append(rng.choice("0123456789"))
        elif ch == "@":
            out.append(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ"))
        elif ch == "&":
            out.append(rng.choice("abcdefghijkmnpqrstuvwxyz23456789"))
        else:
            out.append(ch)
    return "".join(out)


def slot_values(slots, lang: str, name: str) -> list[str]:
    if name in slots[lang]:
        return slots[lang][name]
    if name in slots["common"]:
        return slots["common"][name]
    raise SeedError(f"unknown slot {{{name}}} for lang {lang}")


def fill(text: str, lang: str, slots, rng: random.Random, depth: int = 0) -> str:
    chosen: dict[tuple[str, str], str] = {}

    def repl(m: re.Match) -> str:
        name, suffix = m.group(1), m.group(2)
        key = (name, suffix)
        if key not in chosen:
            values = slot_values(slots, lang, name)
            used = {v for (n, _), v in chosen.items() if n == name}
            for _ in range(8):
                value = rng.choice(values)
                value = expand_pattern(value, rng)
                if "{" in value and depth < 3:
                    value = fill(value, lang, slots, rng, depth + 1)
                if value not in used:
                    break
            chosen[key] = value
        return chosen[key]

    return SLOT_RE.sub(repl, text)


def distinct_slots(text: str) -> int:
    return len(set(SLOT_RE.findall(text)))


# ------------------------------
# Light surface variation
# ------------------------------
def vary_greeting(text: str, tpl: dict, rng: random.Random) -> str:
    if tpl["category"] in NO_GREETING or tpl.get("greet") is False:
        return text
    lang = tpl["lang"]
    pattern = ZH_GREETING_RE if lang == "zh" else EN_GREETING_RE
    m = pattern.match(text)
    r = rng.random()
    if m and r < 0.25:
        rest = text[m.end() :].lstrip()
        if len(rest) > 8:
            if lang == "en":
                rest = rest[0].upper() + rest[1:]
            return rest
    elif not m and r < 0.22:
        style = "casual" if tpl["category"] in CASUAL_CATEGORIES else "formal"
        table = ZH_GREETINGS if lang == "zh" else EN_GREETINGS
        greeting = rng.choice(table[style])
        if lang == "zh" and not greeting.endswith(("，", "！", "？", "～")):
            greeting += rng.choice(["，", " ", "？", ""])
        first_word = text.split(" ", 1)[0].rstrip(",.!?:")
        if lang == "en" and first_word in EN_LOWERABLE_STARTERS:
            text = text[0].lower() + text[1:]
        return greeting + text
    return text


POLITE_EMOJI_CATEGORIES = {"fake_customer_service", "payment_lure", "support_reply", "marketing"}
ZH_TO_ASCII = {
    "，": ",",
    "。": ".",
    "！": "!",
    "？": "?",
    "：": ":",
    "；": ";",
    "（": "(",
    "）": ")",
}


def vary_punct_zh(text: str, tpl: dict, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.12:  # half-width punctuation, as typed on a PC keyboard
        text = "".join(ZH_TO_ASCII.get(c, c) for c in text)
    elif r < 0.20:  # commas as spaces, typical of quick chat
        text = text.replace("，", " ")
    elif r < 0.26:
        text = re.sub(r"([，。！？])", lambda m: m.group(1) + " ", text).strip()
    r = rng.random()
    if r < 0.15 and text.endswith(("。", ".")):
        text = text[:-1]
    elif r < 0.22 and text.endswith(("！", "!")):
        text = text + text[-1]
    elif r < 0.27 and tpl["category"] in CASUAL_CATEGORIES:
        text = text.rstrip("。.") + rng.choice(["~", "～", "哈", "🙏", "😂", "。。", "！", "哈哈"])
    elif r < 0.30 and tpl["category"] in POLITE_EMOJI_CATEGORIES:
        # service-style emoji on both real support replies and fake customer service
        text = text + rng.choice(["🙏", "😊", "～", "[微笑]", "[抱拳]"])
    return text


def vary_punct_en(text: str, tpl: dict, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.10 and tpl["category"] in CASUAL_CATEGORIES:
        text = text.lower()
    elif r < 0.16:
        text = text.replace(". ", ".  ")
    elif r < 0.22 and text.endswith("."):
        text = text[:-1]
    elif r < 0.27 and text.endswith("!"):
        text = text + "!"
    elif r < 0.31 and tpl["category"] in CASUAL_CATEGORIES:
        text = text.rstrip(".") + rng.choice([" x", " :)", " 🙏", " thx", "??"])
    return text


# ------------------------------
# Obfuscation (about 10 % of rows of both classes)
# ------------------------------
def ob_traditional(text: str, rng: random.Random) -> str:
    for s, t in ZH_TRAD_WORDS.items():
        text = text.replace(s, t)
    return "".join(ZH_TRAD_CHARS.get(c, c) for c in text)


def ob_variants_zh(text: str, rng: random.Random) -> str:
    hits = [k for k in ZH_VARIANTS if k in text]
    if not hits:
        return text
    rng.shuffle(hits)
    for key in hits[: rng.randint(1, 3)]:
        if key in text:
            text = text.replace(key, rng.choice(ZH_VARIANTS[key]))
    return text


def ob_fullwidth(text: str, rng: random.Random) -> str:
    def fw(c: str) -> str:
        if c.isascii() and (c.isdigit() or c.isalpha()):
            return chr(ord(c) + 0xFEE0)
        return c

    if rng.random() < 0.5:  # digits only
        return "".join(fw(c) if c.isdigit() else c for c in text)
    return "".join(fw(c) for c in text)


def ob_numerals(text: str, rng: random.Random) -> str:
    table = rng.choice(ZH_NUMERALS)
    runs = DIGIT_RUN_RE.findall(text)
    if not runs:
        return text
    target = rng.choice(runs)
    return text.replace(target, "".join(table[d] for d in target), 1)


def ob_separators(text: str, rng: random.Random) -> str:
    sep = rng.choice(["-", " ", ".", "—", "  "])
    if MOBILE_RE.search(text):
        return MOBILE_RE.sub(lambda m: sep.join(m.groups()), text, count=1)
    runs = DIGIT_RUN_RE.findall(text)
    if not runs:
        return text
    target = rng.choice(runs)
    return text.replace(target, sep.join(target[i : i + 3] for i in range(0, len(target), 3)), 1)


def ob_zero_width(text: str, rng: random.Random, keywords: list[str]) -> str:
    hits = [k for k in keywords if k in text]
    if not hits:
        return text
    rng.shuffle(hits)
    for key in hits[: rng.randint(1, 3)]:
        pos = rng.randint(1, len(key) - 1)
        spaced = key[:pos] + ZWSP + key[pos:] if rng.random() < 0.6 else ZWSP.join(key)
        text = text.replace(key, spaced)
    return text


def ob_homoglyph_en(text: str, rng: random.Random) -> str:
    hits = [k for k in EN_HOMOGLYPHS if k in text]
    if not hits:
        return text
    rng.shuffle(hits)
    for key in hits[: rng.randint(1, 2)]:
        text = text.replace(key, rng.choice(EN_HOMOGLYPHS[key]), 1)
    return text


def obfuscate(text: str, lang: str, rng: random.Random) -> str:
    if lang == "zh":
        methods = [
            ob_traditional,
            ob_variants_zh,
            ob_variants_zh,
            ob_fullwidth,
            ob_numerals,
            ob_separators,
            lambda t, r: ob_zero_width(t, r, ZH_ZW_KEYWORDS),
        ]
    else:
        methods = [
            ob_homoglyph_en,
            ob_homoglyph_en,
            ob_fullwidth,
            ob_separators,
            lambda t, r: ob_zero_width(t, r, EN_ZW_KEYWORDS),
        ]
    out = text
    for method in rng.sample(methods, k=rng.choice([1, 1, 2])):
        out = method(out, rng)
    if out == text:  # nothing applicable: fall back to something that always changes digits/text
        out = ob_fullwidth(text, rng) if any(c.isdigit() for c in text) else text
    return out


# ------------------------------
# Expansion
# ------------------------------
def row_cap(tpl: dict) -> int:
    lang = tpl["lang"]
    if "max" in tpl:
        return int(tpl["max"])
    cap = ROW_BASE[lang] + ROW_PER_SLOT[lang] * distinct_slots(tpl["text"])
    return max(ROW_BASE[lang], min(ROW_MAX[lang], cap))


def add_sender_header(text: str, tpl: dict, slots, rng: random.Random) -> str:
    """Prefix 【sender】 to a short zh SMS-like row, at the same rate for both labels."""
    if (
        tpl["lang"] != "zh"
        or tpl["category"] not in HEADER_CATEGORIES
        or len(text) > HEADER_MAX_CHARS
        or text.lstrip().startswith("【")
        or rng.random() >= HEADER_RATE
    ):
        return text
    sender = rng.choice(slot_values(slots, "zh", rng.choice(HEADER_SLOTS)))
    return f"【{sender}{rng.choice(HEADER_SUFFIXES)}】{text.lstrip()}"


def expand_template(tpl: dict, slots, seen_texts: set[str]) -> list[dict]:
    rng = random.Random(f"{SEED}:{tpl['id']}")
    header_rng = random.Random(f"{SEED}:header:{tpl['id']}")
    cap = row_cap(tpl)
    rows: list[dict] = []
    for attempt in range(cap * 8):
        if len(rows) >= cap:
            break
        text = fill(tpl["text"], tpl["lang"], slots, rng)
        obfuscated = False
        if attempt > 0:  # the first row of every template is the plain, slot-filled text
            text = vary_greeting(text, tpl, rng)
            if tpl["lang"] == "zh":
                text = vary_punct_zh(text, tpl, rng)
            else:
                text = vary_punct_en(text, tpl, rng)
            if rng.random() < OBFUSCATION_RATE * 1.1:
                obf_text = obfuscate(text, tpl["lang"], rng)
                obfuscated = obf_text != text
                text = obf_text
            text = add_sender_header(text, tpl, slots, header_rng)
        text = text.strip()
        if not text or text in seen_texts:
            continue
        seen_texts.add(text)
        rows.append(
            {
                "text": text,
                "label": tpl["label"],
                "category": tpl["category"],
                "lang": tpl["lang"],
                "group": tpl["id"],
                "_obfuscated": obfuscated,
            }
        )
    return rows


def scenario_of(templates: list[dict]) -> dict[str, str]:
    """Template id → scenario group: consecutive templates of one lang × category, in fours.

    Scenarios are the ``group`` column and the unit of cross-validation splits; composite
    rows (below) only join templates of one scenario, so no text straddles a split.
    """
    by_key: dict[tuple[str, str], list[str]] = {}
    for tpl in templates:
        by_key.setdefault((tpl["lang"], tpl["category"]), []).append(tpl["id"])
    scenario = {}
    for (lang, category), ids in by_key.items():
        for i, tid in enumerate(sorted(ids)):
            scenario[tid] = f"{lang}-{category}-s{i // SCENARIO_SIZE:02d}"
    return scenario


def compose_rows(rows: list[dict], seen_texts: set[str]) -> list[dict]:
    """Long messages made of several short ones of the same scenario.

    Real scam scripts and real notices are often long and polished; the templates are short.
    Joining 3–8 rows of one scenario (the rows already carry slot, greeting and obfuscation
    variety) teaches the model that length alone says nothing about the label.
    """
    by_group: dict[str, list[dict]] = {}
    for row in rows:
        by_group.setdefault(row["group"], []).append(row)
    out = []
    for group in sorted(by_group):
        members = by_group[group]
        rng = random.Random(f"{SEED}:compose:{group}")
        lang = members[0]["lang"]
        joiner = "" if lang == "zh" else " "
        for _ in range(COMPOSITES_PER_SCENARIO[lang]):
            k = min(len(members), rng.randint(3, 8))
            parts = rng.sample(members, k)
            text = joiner.join(p["text"].strip() for p in parts)
            if text in seen_texts:
                continue
            seen_texts.add(text)
            out.append(
                {
                    "text": text,
                    "label": members[0]["label"],
                    "category": members[0]["category"],
                    "lang": lang,
                    "group": group,
                    "_obfuscated": any(p["_obfuscated"] for p in parts),
                }
            )
    return out


def build(seeds_dir: Path = SEEDS_DIR) -> tuple[list[dict], list[dict]]:
    slots = load_slots(seeds_dir / SLOTS_FILE.name)
    templates = load_templates(seeds_dir)
    scenario = scenario_of(templates)
    seen_texts: set[str] = set()
    rows: list[dict] = []
    for tpl in templates:
        try:
            expanded = expand_template(tpl, slots, seen_texts)
        except SeedError as exc:
            raise SeedError(f"{tpl['file']}:{tpl['id']}: {exc}") from exc
        for row in expanded:
            row["group"] = scenario[tpl["id"]]
        rows.extend(expanded)
    rows.extend(compose_rows(rows, seen_texts))
    return templates, rows


def csv_text(rows: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def write_csv(rows: list[dict], path: Path = OUT_FILE) -> None:
    path = Path(path)
    path.write_text(csv_text(rows), encoding="utf-8", newline="")


def ensure_corpus(path: Path = OUT_FILE) -> Path:
    """The corpus file, (re)built from the seeds when it is missing or stale.

    ``messages.csv`` is generated (about a second) and not kept in git: the seeds are the
    source. Training and tests call this, so they always see what the seeds build.
    """
    path = Path(path)
    text = _built_text(_seeds_state(SEEDS_DIR))
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8", newline="")
        os.replace(tmp, path)
    return path


def _seeds_state(seeds_dir: Path) -> tuple:
    """What a build depends on that can change while a process runs: the seed files."""
    return tuple(
        (p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(seeds_dir.glob("*.yaml"))
    )


@functools.lru_cache(maxsize=1)
def _built_text(seeds_state: tuple) -> str:
    """The corpus CSV the seeds build, once per process and state of the seed files."""
    return csv_text(build()[1])


def report(templates: list[dict], rows: list[dict], out=sys.stdout) -> None:
    def p(*a):
        print(*a, file=out)

    p(f"templates: {len(templates)}  rows: {len(rows)}")
    tl = Counter(t["lang"] for t in templates)
    p("templates per lang: " + ", ".join(f"{k}={v}" for k, v in sorted(tl.items())))
    for lang in LANGS:
        lr = [r for r in rows if r["lang"] == lang]
        lt = [t for t in templates if t["lang"] == lang]
        if not lr:
            continue
        benign = sum(r["label"] == "benign" for r in lr)
        p(
            f"\n[{lang}] rows={len(lr)} scam={len(lr) - benign} benign={benign} ({benign / len(lr):.1%} benign)"
        )
        rc = Counter((r["label"], r["category"]) for r in lr)
        tc = Counter((t["label"], t["category"]) for t in lt)
        for label, cats in (("scam", SCAM_CATEGORIES), ("benign", BENIGN_CATEGORIES)):
            for cat in cats:
                p(
                    f"  {label:6s} {cat:28s} templates={tc[(label, cat)]:4d} rows={rc[(label, cat)]:5d}"
                )
    total_benign = sum(r["label"] == "benign" for r in rows)
    if rows:
        p(f"\noverall benign share: {total_benign / len(rows):.1%}")
        for label in ("scam", "benign"):
            lr = [r for r in rows if r["label"] == label]
            obf = sum(r["_obfuscated"] for r in lr)
            p(f"obfuscated {label} rows: {obf}/{len(lr)} ({obf / max(1, len(lr)):.1%})")


def markdown_table(templates: list[dict], rows: list[dict]) -> str:
    """Counts per label x category x language as a Markdown table (used in README.md)."""
    rc = Counter((r["lang"], r["label"], r["category"]) for r in rows)
    tc = Counter((t["lang"], t["label"], t["category"]) for t in templates)
    lines = [
        "| label | category | zh templates | zh rows | en templates | en rows |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for label, cats in (("scam", SCAM_CATEGORIES), ("benign", BENIGN_CATEGORIES)):
        for cat in cats:
            cells = [f"{tc[(lang, label, cat)]} | {rc[(lang, label, cat)]}" for lang in LANGS]
            lines.append(f"| {label} | `{cat}` | " + " | ".join(cells) + " |")
        cells = [
            f"**{sum(v for k, v in tc.items() if k[:2] == (lang, label))}** | "
            f"**{sum(v for k, v in rc.items() if k[:2] == (lang, label))}**"
            for lang in LANGS
        ]
        lines.append(f"| **{label}** | **all** | " + " | ".join(cells) + " |")
    cells = [
        f"**{sum(t['lang'] == lang for t in templates)}** | **{sum(r['lang'] == lang for r in rows)}**"
        for lang in LANGS
    ]
    lines.append("| **total** | | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="build and print counts without writing"
    )
    parser.add_argument("--out", type=Path, default=OUT_FILE)
    parser.add_argument("--markdown", action="store_true", help="also print the README count table")
    args = parser.parse_args(argv)
    templates, rows = build()
    report(templates, rows)
    if args.markdown:
        print("\n" + markdown_table(templates, rows))
    if not args.check:
        write_csv(rows, args.out)
        print(f"\nwrote {len(rows)} rows to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
