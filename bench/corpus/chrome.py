"""Page chrome for the benchmark corpus: the boilerplate strings (cookie banners, navigation, ads,
comments, reviews, footers) in English and Chinese, and the small HTML pieces every page kind shares."""

from __future__ import annotations

import hashlib
import html
import json
import random

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
