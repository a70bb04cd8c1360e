"""Faithful local fakes of the search APIs the service can use with a key (Brave, Tavily, Serper,
Exa, Google Programmable Search): each API's request fields, auth header, answer shape, and error
and rate-limit bodies, one module per API, served together by `SearchAPIs`."""

from testkit.search_apis.common import Failure, Reply, Request
from testkit.search_apis.server import APIS, KEYS, SearchAPIs

__all__ = ["APIS", "KEYS", "Failure", "Reply", "Request", "SearchAPIs"]
