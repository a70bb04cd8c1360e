"""Page assembly per page kind (news site, encyclopedia, shop, forum, government notice): wraps an
article body in the chrome of its kind. RENDER maps a page's `kind` to its renderer."""

from __future__ import annotations

import random

from bench.corpus import banks
from bench.corpus.article import item_text
from bench.corpus.chrome import (
    BOILER,
    REVIEWS_EN,
    REVIEWS_ZH,
    SIGS_EN,
    SIGS_ZH,
    USERS_EN,
    USERS_ZH,
    ad,
    cookie,
    esc,
    head,
    links,
    nav,
    render_item,
)

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
