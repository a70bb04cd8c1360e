"""The pinned URL a fetch connects to: the checked address in place of the host, nothing else changed."""

import httpx
import pytest

from search.fetch import pinned_url

URLS = [
    "http://example.com/a?b=c#d",
    "https://user:pw@Example.COM:8443/p%20q?x=%41",
    "http://[::1]:81/",
    "http://bücher.de/ä?ö=ü",
    "http://127.0.0.1",
    "https://a.b/",
    "http://x.y:80/",
    "http://x.y/path;p?q",
    "HTTP://X.Y/A/../b",
]
ADDRESSES = ["93.184.216.34", "2001:db8::1", "::ffff:1.2.3.4", "127.0.0.1"]


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("address", ADDRESSES)
def test_pinned_url_is_the_url_with_the_address_as_host(url: str, address: str) -> None:
    original = httpx.URL(url)
    pinned, expected = pinned_url(original, address), original.copy_with(host=address)
    assert pinned == expected and str(pinned) == str(expected)
    assert (pinned.raw_host, pinned.port, pinned.raw_path, pinned.userinfo, pinned.fragment) == (
        expected.raw_host,
        expected.port,
        expected.raw_path,
        expected.userinfo,
        expected.fragment,
    )
    assert original == httpx.URL(url)  # the original is left as it was
