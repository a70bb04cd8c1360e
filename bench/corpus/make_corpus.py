"""Generate the offline retrieval benchmark corpus: bench/corpus/pages/*.html, gold/*.txt and
questions.json, from the hand-written topics in content_en.py / content_zh.py.

    .venv/bin/python bench/corpus/make_corpus.py

Each page is a hand-written core (the facts, with same-subject distractors) grown to article length
with on-topic filler drawn from banks.py, then wrapped in the boilerplate of its kind (news site,
encyclopedia, shop, forum, government notice): cookie banner, navigation, ads, related links,
comments, footers. Everything is seeded, so a rerun writes the same bytes. The script checks that
every answer string occurs in exactly one page (its own) and in that page's article text."""

from __future__ import annotations

import hashlib
import html
import json
import random
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import banks  # noqa: E402
import content_en  # noqa: E402
import content_zh  # noqa: E402

PAGES_DIR = HERE / "pages"
GOLD_DIR = HERE / "gold"
QUESTIONS = HERE / "questions.json"

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
WORD = re.compile(r"[A-Za-z0-9]+")

# Article length targets: English in words, Chinese in Han characters.
TARGETS = {
    ("en", "news"): (1100, 1900), ("en", "reference"): (1000, 1700), ("en", "notice"): (900, 1400),
    ("en", "product"): (650, 950), ("en", "forum"): (700, 1100),
    ("zh", "news"): (1700, 3000), ("zh", "reference"): (1600, 2600), ("zh", "notice"): (1400, 2200),
    ("zh", "product"): (900, 1400), ("zh", "forum"): (1000, 1600),
}


def size(text: str, lang: str) -> int:
    return len(CJK.findall(text)) if lang == "zh" else len(WORD.findall(text))


class Slots(dict):
    """Topic slots; number slots are drawn fresh on every use."""

    def __init__(self, base: dict, rng: random.Random) -> None:
        super().__init__(base)
        self.rng = rng
        org = base.get("org", "")
        self["Org"] = org[:1].upper() + org[1:]
        self.setdefault("name", "")
        self.introduced: set[str] = set()
        self.surnames = {k: self.pop(k) for k in list(self) if k.endswith("_last")}

    def __getitem__(self, key: str) -> str:
        if key in ("official", "member", "expert"):
            self.introduced.add(key)
        return super().__getitem__(key)

    def __missing__(self, key: str) -> str:
        r = self.rng
        if key.endswith("_last"):  # a person is named in full the first time, by surname after
            full = key.removesuffix("_last")
            if full in self.introduced:
                return self.surnames[key]
            self.introduced.add(full)
            return self[full]
        if key == "n3":
            return str(r.randrange(120, 950))
        if key == "n4":
            return f"{r.randrange(1100, 9800):,}"
        if key == "pct":
            return str(r.randrange(11, 89))
        if key == "year":
            return str(r.randrange(1998, 2019))
        raise KeyError(key)


def fill(template: str, slots: Slots) -> str:
    return template.format_map(slots)


# --- article bodies ----------------------------------------------------------------------------


def _banks(lang: str, kind: str, topic: dict) -> list[list[str]]:
    """Sentence pools for filler, in order of preference."""
    zh = lang == "zh"
    prose = banks.PROSE_ZH if zh else banks.PROSE_EN
    colour = topic.get("colour", [])
    if kind == "news":
        return [prose + colour]
    if kind == "reference":
        return [(banks.REFERENCE_ZH if zh else banks.REFERENCE_EN) + colour, prose]
    if kind == "notice":
        return [(banks.NOTICE_ZH if zh else banks.NOTICE_EN) + colour, prose]
    if kind == "product":
        return [(banks.PRODUCT_ZH if zh else banks.PRODUCT_EN) + colour, prose]
    if kind == "forum":
        return [(banks.FORUM_ZH if zh else banks.FORUM_EN) + colour, prose]
    raise ValueError(kind)


def item_text(item: object) -> str:
    if isinstance(item, str):
        return item
    tag, value = item  # type: ignore[misc]
    if tag == "h2":
        return value
    if tag == "ul":
        return "\n".join(value)
    if tag == "table":
        return "\n".join(" ".join(row) for row in value)
    raise ValueError(tag)


def build_body(page: dict, topic: dict, lang: str, rng: random.Random) -> list[object]:
    kind = page["kind"]
    slots = Slots(topic["slots"], rng)
    pools = [list(p) for p in _banks(lang, kind, topic)]
    for pool in pools:
        rng.shuffle(pool)
    low, high = TARGETS[(lang, kind)]
    target = rng.randrange(low, high)
    hand = page["items"]
    have = sum(size(item_text(i), lang) for i in hand)
    joiner = "" if lang == "zh" else " "
    per_para = (1, 3) if kind == "forum" else (2, 4) if kind in ("notice", "product") else (3, 5)

    fillers: list[str] = []
    while have < target and any(pools):
        n = rng.randint(*per_para)
        sentences: list[str] = []
        for _ in range(n):
            pool = next((p for p in pools if p), None)
            if pool is None:
                break
            sentences.append(fill(pool.pop(), slots))
        if not sentences:
            break
        text = joiner.join(sentences)
        fillers.append(text)
        have += size(text, lang)

    # Fillers go into the gaps after hand items (never right after a heading), the lead stays first.
    gaps = [i for i, item in enumerate(hand) if not (isinstance(item, tuple) and item[0] == "h2")]
    slots_after: dict[int, list[str]] = {}
    # In generation order, so a person introduced in full comes before their surname alone.
    for gap, text in zip(sorted(rng.choice(gaps) for _ in fillers), fillers):
        slots_after.setdefault(gap, []).append(text)
    body: list[object] = []
    for i, item in enumerate(hand):
        body.append(item)
        body.extend(slots_after.get(i, []))
    return body


# --- boilerplate -------------------------------------------------------------------------------

BOILER = {
    "en": {
        "cookie": "We use cookies to personalise content and ads, to provide social media features and to analyse our traffic. By continuing to browse you accept our cookie policy.",
        "accept": "Accept all", "manage": "Manage preferences",
        "nav": ["Home", "News", "Business", "Technology", "Sport", "Opinion", "Travel", "Subscribe", "Sign in"],
        "home": "Home", "related": "Related stories", "comments": "comments", "share": "Share: Facebook · X · WhatsApp · Email · Copy link",
        "most_read": "Most read", "newsletter": "Get the morning briefing", "newsletter_p": "Sign up for our free newsletter and never miss a story.",
        "signup": "Sign up", "rights": "All rights reserved. Privacy policy · Terms of use · Cookie settings · Contact us · Advertise with us",
        "ad": "Advertisement", "read_more": "Read more:",
        "ads": ["Save 30% on winter tyres at TyreHub this week only. Free fitting at over 200 locations!",
                "Compare energy deals in 2 minutes and switch today. Thousands of households have already saved.",
                "Learn a language in 15 minutes a day. Try your first month free.",
                "Luxury river cruises from £899 per person. Limited cabins left for spring departures."],
        "most_read_items": ["Storm warning issued for the weekend", "Five restaurants to try this month", "House prices: what the latest figures mean", "Quiz of the week"],
        "wiki_from": "From Openpedia, the free encyclopedia", "contents": "Contents", "references": "References",
        "wiki_footer": "Text is available under the Creative Commons Attribution-ShareAlike License; additional terms may apply. This page was last edited on",
        "wiki_nav": ["Main page", "Contents", "Current events", "Random article", "About Openpedia", "Contact us", "Donate"],
        "retrieved": "Retrieved",
        "forum_nav": ["Forums", "What's new", "Members", "Search", "Log in", "Register"],
        "reply": "Reply", "quote": "Quote", "joined": "Joined", "posts": "Posts", "page_of": "Page 1 of 1",
        "forum_rules": "Please read the forum rules before posting. Be kind, stay on topic and do not share personal information.",
        "similar": "Similar threads",
        "shop_nav": ["E-bikes", "Accessories", "Spare parts", "Service", "Test ride", "Stores", "Basket (0)"],
        "add": "Add to basket", "in_stock": "In stock – ships in 2–4 working days", "reviews": "Customer reviews",
        "also": "Customers also viewed", "newsletter_shop": "Join our newsletter for 10% off your first order",
        "gov_banner": "An official website", "gov_nav": ["Services", "News", "Council and democracy", "Contact", "Accessibility"],
        "issued": "Issued", "contact": "Contact us", "attachments": "Downloads",
        "gov_footer": "Accessibility statement · Privacy notice · Freedom of information · Complaints · Cookies",
        "bio": "{author} is a reporter for {site}, covering local government, transport and the environment. Follow her work and send tips by email.",
        "topics": "Topics:", "tag_words": ["Local news", "Transport", "Environment", "Health", "Business", "Community"],
        "jump": "Jump to navigation Jump to search", "see_also": "See also", "wrote": "wrote:",
        "helpful": "Was this page helpful?", "yes": "Yes", "no": "No", "updated": "Last updated:",
    },
    "zh": {
        "cookie": "本网站使用Cookie以提升您的浏览体验，继续浏览即表示您同意我们的隐私政策和用户协议。",
        "accept": "同意", "manage": "设置",
        "nav": ["首页", "要闻", "本地", "财经", "科技", "文旅", "体育", "视频", "登录"],
        "home": "首页", "related": "相关阅读", "comments": "条评论", "share": "分享到：微信 微博 QQ空间 复制链接",
        "most_read": "24小时热榜", "newsletter": "订阅早报", "newsletter_p": "每天早上七点，把重要新闻送到你的邮箱。",
        "signup": "订阅", "rights": "版权所有 未经授权禁止转载 违法和不良信息举报电话：12377 举报邮箱 网站地图 联系我们",
        "ad": "广告", "read_more": "延伸阅读：",
        "ads": ["限时特惠！家电以旧换新最高补贴2000元，点击了解详情。",
                "零基础学英语，每天15分钟，首月免费体验。",
                "新房装修找我们，免费上门量房设计，签约送家电。",
                "夏季清仓大促，全场低至三折，包邮到家。"],
        "most_read_items": ["本周末将迎来大范围降温", "这些新规下月起施行", "五一假期出行指南", "本月值得一去的五家餐厅"],
        "wiki_from": "知源百科，开放的中文百科全书", "contents": "目录", "references": "参考资料",
        "wiki_footer": "本页面内容采用知识共享署名—相同方式共享许可协议授权。最后修订于",
        "wiki_nav": ["首页", "分类索引", "特色内容", "随机条目", "关于百科", "联系我们", "捐助"],
        "retrieved": "访问日期",
        "forum_nav": ["论坛首页", "最新帖子", "精华区", "搜索", "登录", "注册"],
        "reply": "回复", "quote": "引用", "joined": "注册时间", "posts": "帖子", "page_of": "共1页",
        "forum_rules": "发帖前请阅读版规，文明发言，禁止发布广告和个人隐私信息。",
        "similar": "相关帖子",
        "shop_nav": ["手机", "平板", "智能穿戴", "配件", "服务", "门店", "购物车(0)"],
        "add": "加入购物车", "in_stock": "现货，下单后48小时内发货", "reviews": "用户评价",
        "also": "看了又看", "newsletter_shop": "订阅资讯，新品上市第一时间通知",
        "gov_banner": "政府网站", "gov_nav": ["首页", "政务公开", "政务服务", "互动交流", "走进本地"],
        "issued": "发布日期", "contact": "联系我们", "attachments": "附件下载",
        "gov_footer": "主办单位：{site} 网站标识码：3601000023 备案号：赣ICP备05001234号 公网安备 36010202000123号",
        "bio": "{author}，{site}记者，长期关注城市建设、交通和民生领域，欢迎提供新闻线索。",
        "topics": "相关话题：", "tag_words": ["本地新闻", "交通出行", "文化旅游", "民生", "科技", "社会"],
        "jump": "跳转到导航 跳转到搜索", "see_also": "参见", "wrote": "写道：",
        "helpful": "本页面信息对您有帮助吗？", "yes": "有帮助", "no": "没帮助", "updated": "更新时间：",
    },
}

USERS_EN = ["tidewatcher", "greenfingers_62", "roadrunner77", "k_lind", "oldsalt", "marathon_mum", "pixelpete", "quietreader", "northbank", "jules_b", "sparkplug", "heron42"]
USERS_ZH = ["江边的风", "老茶客", "跑者小林", "观鸟老周", "数码控阿杰", "路过的猫", "清风徐来", "山里人家", "夜跑侠", "航天迷小王", "吃货一枚", "北门老街"]
SIGS_EN = ["Sent from my phone, excuse typos.", "Two wheels good.", "Opinions my own.", "Tight lines!", ""]
SIGS_ZH = ["来自手机客户端", "生命在于运动", "潜水多年，偶尔冒泡", "", "宁静致远"]
REVIEWS_EN = ["Five stars. Exactly as described and delivery was quick.", "Good value, though the instructions could be clearer.", "Second one I've bought, no complaints.", "Customer service sorted a small issue within a day."]
REVIEWS_ZH = ["物流很快，包装完好，用着不错。", "性价比可以，就是说明书写得不太清楚。", "第二次购买了，一如既往地好。", "客服态度很好，有问题很快解决。"]


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def render_item(item: object) -> str:
    if isinstance(item, str):
        return f"<p>{esc(item)}</p>"
    tag, value = item  # type: ignore[misc]
    if tag == "h2":
        return f"<h2>{esc(value)}</h2>"
    if tag == "ul":
        return "<ul>" + "".join(f"<li>{esc(v)}</li>" for v in value) + "</ul>"
    if tag == "table":
        rows = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in value)
        return f'<table class="specs"><tbody>{rows}</tbody></table>'
    raise ValueError(tag)


def head(page: dict, lang: str) -> str:
    charset = page.get("charset", "utf-8")
    title = f"{page['title']} | {page['site']}"
    author = page.get("author", page["site"])
    return f"""<!DOCTYPE html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}">
<head>
<meta charset="{charset}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<meta name="description" content="{esc(page['description'])}">
<meta property="og:title" content="{esc(page['title'])}">
<meta property="og:site_name" content="{esc(page['site'])}">
<meta property="og:type" content="{'article' if page['kind'] in ('news', 'forum', 'notice') else 'website'}">
<meta property="article:published_time" content="{page['date']}T08:00:00+00:00">
<meta name="author" content="{esc(author)}">
<link rel="stylesheet" href="/static/css/main.{hashlib.md5(page['site'].encode()).hexdigest()[:8]}.css">
<script>window.dataLayer = window.dataLayer || []; function gtag(){{dataLayer.push(arguments);}} gtag('js', new Date()); gtag('config', 'G-X1Y2Z3');</script>
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "WebPage", "name": {json.dumps(page['title'], ensure_ascii=False)}}}</script>
</head>
"""


def cookie(b: dict) -> str:
    return (f'<div id="cookie-consent" class="cookie-banner" role="dialog"><p>{esc(b["cookie"])}</p>'
            f'<button class="accept">{b["accept"]}</button> <button class="manage">{b["manage"]}</button></div>\n')


def nav(items: list[str], cls: str = "main-nav") -> str:
    return f'<nav class="{cls}"><ul>' + "".join(f'<li><a href="/s/{i}">{esc(t)}</a></li>' for i, t in enumerate(items)) + "</ul></nav>"


def ad(b: dict, rng: random.Random) -> str:
    return (f'<aside class="advertisement ad-slot"><span class="ad-label">{b["ad"]}</span>'
            f'<p>{esc(rng.choice(b["ads"]))}</p></aside>')


def links(titles: list[str], head_text: str, cls: str) -> str:
    lis = "".join(f'<li><a href="/story/{i}">{esc(t)}</a></li>' for i, t in enumerate(titles))
    return f'<section class="{cls}"><h3>{esc(head_text)}</h3><ul>{lis}</ul></section>'


def news_html(page: dict, body: list[object], lang: str, rng: random.Random, ctx: dict) -> str:
    b = BOILER[lang]
    parts = []
    for i, item in enumerate(body):
        parts.append(render_item(item))
        if i and i % 5 == 0:
            parts.append(ad(b, rng))
        if i and i % 8 == 0 and ctx["other_titles"]:
            parts.append(f'<p class="read-more"><strong>{b["read_more"]}</strong> <a href="/story/x">{esc(rng.choice(ctx["other_titles"]))}</a></p>')
        if i == 10:
            parts.append(f'<div class="newsletter-inline"><h4>{b["newsletter"]}</h4><p>{b["newsletter_p"]}</p><button>{b["signup"]}</button></div>')
        if i == 6 and ctx["related"]:
            items = "".join(f'<li><a href="/story/r{j}">{esc(t)}</a></li>' for j, t in enumerate(ctx["related"][:2]))
            parts.append(f'<div class="inline-related"><h4>{b["related"]}</h4><ul>{items}</ul></div>')
    bank = banks.COMMENTS_ZH if lang == "zh" else banks.COMMENTS_EN
    comments = rng.sample(bank, rng.randint(2, 5))
    users = USERS_ZH if lang == "zh" else USERS_EN
    com_html = "".join(f'<div class="comment"><span class="comment-author">{esc(rng.choice(users))}</span><p>{esc(c)}</p></div>' for c in comments)
    count = f"{len(comments)} {b['comments']}" if lang == "en" else f"{len(comments)}{b['comments']}"
    return (head(page, lang) + '<body class="article-page">\n' + cookie(b)
            + f'<header class="site-header"><div class="logo">{esc(page["site"])}</div>{nav(b["nav"])}</header>\n'
            + f'<div class="breadcrumbs"><a href="/">{b["home"]}</a> &gt; <a href="/section">{b["nav"][2]}</a></div>\n<main>\n<article class="story">\n'
            + f'<h1>{esc(page["title"])}</h1>\n<div class="byline">{esc(page.get("author", ""))} · <time datetime="{page["date"]}">{page["date"]}</time></div>\n'
            + f'<figure><img src="/img/lead.jpg" alt=""><figcaption>{"资料图" if lang == "zh" else "File photo"} · {esc(page["site"])}</figcaption></figure>\n'
            + '<div class="story-body">\n' + "\n".join(parts) + "\n</div>\n"
            + f'<div class="author-bio"><p>{esc(b["bio"].format(author=page.get("author", ""), site=page["site"]))}</p></div>\n'
            + f'<div class="tags">{b["topics"]} ' + " · ".join(f'<a href="/tag/{j}">{esc(t)}</a>' for j, t in enumerate(ctx["tags"])) + "</div>\n"
            + f'<div class="share">{b["share"]}</div>\n</article>\n'
            + links(ctx["related"], b["related"], "related-links") + "\n"
            + f'<section id="comments" class="comments"><h3>{count}</h3>{com_html}</section>\n</main>\n'
            + f'<aside class="sidebar"><div class="newsletter"><h4>{b["newsletter"]}</h4><p>{b["newsletter_p"]}</p><input type="email"><button>{b["signup"]}</button></div>'
            + links(b["most_read_items"], b["most_read"], "most-read") + "</aside>\n"
            + f'<footer class="site-footer"><p>© {page["date"][:4]} {esc(page["site"])}. {b["rights"]}</p></footer>\n</body>\n</html>\n')


def reference_html(page: dict, body: list[object], lang: str, rng: random.Random, ctx: dict) -> str:
    b = BOILER[lang]
    heads = [item[1] for item in body if isinstance(item, tuple) and item[0] == "h2"]
    toc = "".join(f'<li><a href="#s{i}">{i + 1} {esc(h)}</a></li>' for i, h in enumerate(heads))
    info = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in page.get("infobox", []))
    parts = []
    n = 0
    cite = 0
    for item in body:
        if isinstance(item, tuple) and item[0] == "h2":
            parts.append(f'<h2 id="s{n}"><span class="mw-headline">{esc(item[1])}</span><span class="mw-editsection">[edit]</span></h2>')
            n += 1
        elif isinstance(item, str) and rng.random() < 0.4:  # a footnote marker after the paragraph
            cite += 1
            parts.append(f'<p>{esc(item)}<sup class="reference"><a href="#cite-{cite}">[{cite}]</a></sup></p>')
        else:
            parts.append(render_item(item))
    refs = "".join(f'<li><span class="citation">{esc(t)}. {b["retrieved"]} {page["date"]}.</span></li>' for t in ctx["related"][:3])
    return (head(page, lang) + '<body class="wiki skin-vector">\n'
            + f'<header id="mw-head"><div class="logo">{esc(page["site"])}</div><form class="search"><input name="q" placeholder="Search"></form></header>\n'
            + f'<div id="mw-panel">{nav(b["wiki_nav"], "portal")}</div>\n'
            + '<div id="content" class="mw-body">\n'
            + f'<h1 id="firstHeading">{esc(page["title"])}</h1>\n<div id="siteSub">{b["wiki_from"]}</div>\n'
            + f'<div class="jump-links"><a href="#mw-head">{b["jump"]}</a></div>\n'
            + '<div class="mw-parser-output">\n'
            + (f'<table class="infobox"><caption>{esc(page["title"])}</caption>{info}</table>\n' if info else "")
            + "\n".join(parts[:1]) + "\n"
            + (f'<div id="toc" class="toc"><h2>{b["contents"]}</h2><ul>{toc}</ul></div>\n' if toc else "")
            + "\n".join(parts[1:]) + "\n"
            + f'<h2><span class="mw-headline">{b["see_also"]}</span></h2><ul class="see-also">'
            + "".join(f"<li><a href=\"/wiki/{j}\">{esc(t)}</a></li>" for j, t in enumerate(ctx["related"][:2])) + "</ul>\n"
            + f'<h2><span class="mw-headline">{b["references"]}</span></h2><ol class="references">{refs}</ol>\n'
            + '<div class="navbox">' + " · ".join(esc(t) for t in ctx["related"]) + "</div>\n"
            + "</div>\n</div>\n"
            + f'<footer id="footer"><p>{b["wiki_footer"]} {page["date"]}.</p></footer>\n</body>\n</html>\n')


def product_html(page: dict, body: list[object], lang: str, rng: random.Random, ctx: dict) -> str:
    b = BOILER[lang]
    reviews = REVIEWS_ZH if lang == "zh" else REVIEWS_EN
    users = USERS_ZH if lang == "zh" else USERS_EN
    rev = "".join(f'<div class="review"><span class="stars">★★★★☆</span><span class="reviewer">{esc(rng.choice(users))}</span><p>{esc(r)}</p></div>' for r in rng.sample(reviews, 3))
    return (head(page, lang) + '<body class="product-page">\n' + cookie(b)
            + f'<header class="shop-header"><div class="logo">{esc(page["site"])}</div>{nav(b["shop_nav"])}</header>\n'
            + f'<div class="breadcrumbs"><a href="/">{b["home"]}</a> / <a href="/c/1">{b["shop_nav"][0]}</a> / {esc(page["title"])}</div>\n'
            + '<main class="product">\n<div class="gallery"><img src="/img/p1.jpg" alt=""><img src="/img/p2.jpg" alt=""></div>\n'
            + f'<div class="buy-box"><h1 class="product-title">{esc(page["title"])}</h1><div class="price">{esc(page.get("price", ""))}</div>'
            + f'<div class="stock">{b["in_stock"]}</div><button class="add-to-cart">{b["add"]}</button></div>\n'
            + '<section class="product-description">\n' + "\n".join(render_item(i) for i in body) + "\n</section>\n"
            + f'<section class="reviews"><h3>{b["reviews"]}</h3>{rev}</section>\n'
            + links(ctx["related"][:3], b["also"], "also-viewed") + "\n</main>\n"
            + f'<footer class="shop-footer"><p>{b["newsletter_shop"]}</p><p>© {page["date"][:4]} {esc(page["site"])}</p></footer>\n</body>\n</html>\n')


def forum_html(page: dict, body: list[object], lang: str, rng: random.Random, ctx: dict) -> str:
    b = BOILER[lang]
    users = USERS_ZH if lang == "zh" else USERS_EN
    sigs = SIGS_ZH if lang == "zh" else SIGS_EN
    posts = []
    authors: list[str] = []
    for i, item in enumerate(body):
        user = rng.choice(users)
        authors.append(user)
        sig = rng.choice(sigs)
        quote = ""
        if i >= 2 and rng.random() < 0.3:  # a reply quoting part of an earlier post
            j = rng.randrange(0, i)
            earlier = item_text(body[j])
            cut = earlier[:60] + ("…" if len(earlier) > 60 else "")
            quote = f'<blockquote class="quote"><cite>{esc(authors[j])} {b["wrote"]}</cite>{esc(cut)}</blockquote>'
        posts.append(
            f'<div class="post" id="post-{i + 1}"><div class="post-author"><a href="/u/{i}">{esc(user)}</a>'
            f'<span class="user-meta">{b["joined"]} 20{rng.randrange(10, 23)} · {b["posts"]} {rng.randrange(3, 4000)}</span></div>'
            f'<div class="post-meta">#{i + 1} · {page["date"]}</div>'
            f'<div class="post-body">{quote}{render_item(item)}</div>'
            + (f'<div class="signature">{esc(sig)}</div>' if sig else "")
            + f'<div class="post-actions"><a href="#">{b["quote"]}</a> <a href="#">{b["reply"]}</a></div></div>'
        )
    return (head(page, lang) + '<body class="forum-page">\n' + cookie(b)
            + f'<header class="forum-header"><div class="logo">{esc(page["site"])}</div>{nav(b["forum_nav"])}</header>\n'
            + f'<div class="breadcrumbs"><a href="/">{b["forum_nav"][0]}</a> &gt; <a href="/f/1">{esc(page["site"])}</a></div>\n'
            + f'<div class="forum-rules">{b["forum_rules"]}</div>\n<div class="forum">\n'
            + f'<h1 class="thread-title">{esc(page["title"])}</h1>\n<div class="thread">\n' + "\n".join(posts) + "\n</div>\n"
            + f'<div class="pagination">{b["page_of"]}</div>\n</div>\n'
            + f'<aside class="sidebar">{ad(b, rng)}' + links(ctx["related"][:3], b["similar"], "similar-threads") + "</aside>\n"
            + f'<footer class="forum-footer"><p>© {page["date"][:4]} {esc(page["site"])}</p></footer>\n</body>\n</html>\n')


def notice_html(page: dict, body: list[object], lang: str, rng: random.Random, ctx: dict) -> str:
    b = BOILER[lang]
    footer = b["gov_footer"].format(site=page["site"])
    atts = "".join(f'<li><a href="/files/{i}.pdf">{esc(t)}.pdf</a></li>' for i, t in enumerate([page["title"]]))
    return (head(page, lang) + '<body class="gov">\n'
            + f'<div class="gov-banner">{b["gov_banner"]} · {esc(page["site"])}</div>\n'
            + f'<header class="gov-header"><div class="logo">{esc(page["site"])}</div>{nav(b["gov_nav"])}</header>\n'
            + f'<div class="breadcrumbs"><a href="/">{b["home"]}</a> &gt; <a href="/notices">{b["gov_nav"][1]}</a></div>\n'
            + '<main class="notice">\n'
            + f'<h1>{esc(page["title"])}</h1>\n<div class="notice-meta"><span class="ref">{esc(page.get("ref", ""))}</span> · {b["issued"]}: <time datetime="{page["date"]}">{page["date"]}</time></div>\n'
            + '<div class="notice-body">\n' + "\n".join(render_item(i) for i in body) + "\n</div>\n"
            + f'<div class="signoff"><p>{esc(page["site"])}</p><p>{page["date"]}</p></div>\n'
            + f'<section class="attachments"><h3>{b["attachments"]}</h3><ul>{atts}</ul></section>\n'
            + f'<div class="page-feedback"><p>{b["helpful"]}</p><button>{b["yes"]}</button> <button>{b["no"]}</button></div>\n'
            + f'<div class="share-page">{b["share"]}</div><p class="last-updated">{b["updated"]} {page["date"]}</p>\n</main>\n'
            + f'<aside class="sidebar">' + links(ctx["related"][:3], b["related"], "related-notices") + "</aside>\n"
            + f'<footer class="gov-footer"><p>{footer}</p><p>{b["contact"]}</p></footer>\n</body>\n</html>\n')


RENDER = {"news": news_html, "reference": reference_html, "product": product_html, "forum": forum_html, "notice": notice_html}


def visible_text(doc: str) -> str:
    doc = re.sub(r"<script.*?</script>|<style.*?</style>", " ", doc, flags=re.S)
    # meta description/title are text the search engine shows, so they count as "in the page"
    metas = " ".join(html.unescape(m) for m in re.findall(r'content="([^"]*)"', doc))
    text = html.unescape(re.sub(r"<[^>]+>", " ", doc))
    return " ".join(f"{text} {metas}".split())


def gold_text(page: dict, body: list[object]) -> str:
    lines = [page["title"]]
    for item in body:
        lines.extend(line for line in item_text(item).split("\n") if line.strip())
    return "\n".join(lines) + "\n"


# --- main --------------------------------------------------------------------------------------


def main() -> None:
    topics = [("en", t) for t in content_en.TOPICS] + [("zh", t) for t in content_zh.TOPICS]
    pages: dict[str, tuple[str, dict, dict]] = {}
    for lang, topic in topics:
        for page in topic["pages"]:
            assert page["slug"] not in pages, page["slug"]
            pages[page["slug"]] = (lang, topic, page)
    questions = [(lang, q) for lang, t in topics for q in t["questions"]]
    answers = [q["answer"] for _, q in questions]

    def titles_without_answers(ts: list[str]) -> list[str]:
        return [t for t in ts if not any(a in t for a in answers)]

    salt: dict[str, int] = {slug: 0 for slug in pages}
    built: dict[str, tuple[str, list[object], str]] = {}  # slug -> (html, body, visible text)

    def build(slug: str) -> None:
        lang, topic, page = pages[slug]
        seed = int(hashlib.sha256(f"{slug}:{salt[slug]}".encode()).hexdigest()[:12], 16)
        rng = random.Random(seed)
        body = build_body(page, topic, lang, rng)
        # Links in the boilerplate name pages of the same topic only: LocalWeb's search counts terms
        # anywhere in the page, so other topics' titles in every sidebar would blur its ranking.
        same = [p["title"] for p in topic["pages"] if p["slug"] != slug]
        ctx = {
            "related": titles_without_answers(same),
            "other_titles": titles_without_answers(same),
            "tags": rng.sample(BOILER[lang]["tag_words"], 3),
        }
        doc = RENDER[page["kind"]](page, body, lang, rng, ctx)
        built[slug] = (doc, body, visible_text(doc))

    for slug in pages:
        build(slug)
    # Filler numbers are random: regenerate any page that accidentally contains another page's answer.
    for _ in range(50):
        clashes = {
            slug
            for _, q in questions
            for slug, (_, _, text) in built.items()
            if slug != q["page"] and q["answer"] in text
        }
        if not clashes:
            break
        for slug in clashes:
            salt[slug] += 1
            build(slug)
    else:
        raise SystemExit(f"answers still clash: {clashes}")

    PAGES_DIR.mkdir(exist_ok=True)
    GOLD_DIR.mkdir(exist_ok=True)
    for old in list(PAGES_DIR.glob("*.html")) + list(GOLD_DIR.glob("*.txt")):
        old.unlink()
    stats = []
    for slug, (doc, body, _) in built.items():
        lang, _, page = pages[slug]
        charset = page.get("charset", "utf-8")
        codec = {"gb2312": "gbk", "gbk": "gbk", "gb18030": "gb18030"}.get(charset, "utf-8")
        (PAGES_DIR / f"{slug}.html").write_bytes(doc.encode(codec))
        gold = gold_text(page, body)
        (GOLD_DIR / f"{slug}.txt").write_text(gold, encoding="utf-8")
        stats.append((slug, lang, page["kind"], charset, size(gold, lang)))

    records = []
    for n, (lang, q) in enumerate(questions, 1):
        doc, body, text = built[q["page"]]
        assert q["answer"] in text, q
        holders = [slug for slug, (_, _, t) in built.items() if q["answer"] in t]
        assert holders == [q["page"]], (q["answer"], holders)
        index = next(i for i, item in enumerate(body) if q["answer"] in item_text(item))
        paragraphs_before = sum(1 for item in body[:index] if not (isinstance(item, tuple) and item[0] == "h2"))
        records.append(
            {
                "id": f"{lang}{n:02d}",
                "lang": lang,
                "question": q["question"],
                "query": q["query"],
                "answer": q["answer"],
                "page": q["page"],
                "page_kind": pages[q["page"]][2]["kind"],
                "answer_paragraph": paragraphs_before,  # 0 = the first paragraph of the article
                "answer_in_table": any(isinstance(item, tuple) and item[0] in ("table", "ul") for item in body[index : index + 1]),
            }
        )
    QUESTIONS.write_text(json.dumps(records, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    deep = sum(1 for r in records if r["answer_paragraph"] > 0)
    print(f"{len(stats)} pages, {len(records)} questions ({sum(r['lang'] == 'zh' for r in records)} zh), answer past the first paragraph: {deep}")
    for lang in ("en", "zh"):
        sizes = [s[4] for s in stats if s[1] == lang]
        unit = "Han characters" if lang == "zh" else "words"
        print(f"  {lang}: {len(sizes)} pages, article {min(sizes)}-{max(sizes)} {unit} (mean {sum(sizes) // len(sizes)})")
    print("  non-UTF-8 pages:", ", ".join(f"{s[0]} ({s[3]})" for s in stats if s[3] != "utf-8"))


if __name__ == "__main__":
    main()
