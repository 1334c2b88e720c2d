"""Who the client is (issue 26, item 3): proxy headers count only from trusted proxies, the
right-most untrusted hop is the client, and the per-address limit counts mailboxes, not
spellings. The attacks first: each end-to-end test here failed before the fix."""

from __future__ import annotations

import ipaddress
import logging

import httpx
import pytest

from core.settings import SettingsError
from newsletter.clientip import ClientAddresses, limit_key, parse_networks
from newsletter.config import load_config
from newsletter.service import create_app
from newsletter.validation import address_key
from tests.fakes.fixtures import pick_port
from tests.newsletter_server import ServeProcess
from tests.test_subscribe_endpoint import SECRET, RecordingBackend

GOOD = {"topics": ["ptsd"], "language": "en", "website": ""}


def post(url, address, **headers):
    return httpx.post(f"{url}/api/newsletter/subscribe", data={**GOOD, "email": address},
                      headers={"Origin": url, "Accept": "application/json", **headers},
                      timeout=10)


# --- the attack through the production command --------------------------------------------
def test_forwarded_for_sent_by_a_client_does_not_reset_the_ip_limit(tmp_path):
    """uvicorn believes X-Forwarded-For from 127.0.0.1 by default: a new header per request
    gave a new rate-limit bucket (60 of 60 accepted). Now the TCP peer counts."""
    with ServeProcess(tmp_path, rate_limit_ip=[3, 3600]) as server:
        codes = [post(server.url, f"r{n}@example.org",
                      **{"X-Forwarded-For": f"203.0.113.{n}",
                         "Forwarded": f"for=198.51.100.{n}"}).status_code
                 for n in range(6)]
        log = server.log()
    assert codes == [202, 202, 202, 429, 429, 429]
    assert "203.0.113." not in log and "198.51.100." not in log
    assert '127.0.0.1:' in log and '"POST /api/newsletter/subscribe HTTP/1.1" 202' in log


def test_behind_a_trusted_proxy_the_access_log_names_the_real_client(tmp_path):
    with ServeProcess(tmp_path, trusted_proxies=["127.0.0.1"]) as server:
        response = post(server.url, "proxied@example.org",
                        **{"X-Forwarded-For": "6.6.6.6, 192.0.2.44"})
        log = server.log()
    assert response.status_code == 202
    assert '192.0.2.44:0 - "POST /api/newsletter/subscribe HTTP/1.1" 202' in log
    assert "6.6.6.6" not in log


# --- behind a trusted proxy (in process) ----------------------------------------------------
@pytest.fixture
def endpoint(newsletter_settings, serve_app):
    def start(**newsletter):
        port = pick_port()
        site = f"http://127.0.0.1:{port}"
        options = {"rate_limit_ip": [2, 3600], "rate_limit_address": [100, 3600], **newsletter}
        config = load_config(newsletter_settings(site, **options), environ=SECRET)
        backend = RecordingBackend()
        app = create_app(config, backend=backend, retry_in_background=False)
        backend.delivery = app.state.delivery
        return serve_app(app, port), backend
    return start


def test_behind_a_trusted_proxy_each_client_has_its_own_budget(endpoint, caplog):
    url, backend = endpoint(trusted_proxies=["127.0.0.1"])
    # The client's own header comes first; the proxy appended the address it saw.
    alice = {"X-Forwarded-For": "6.6.6.6, 192.0.2.10"}
    bob = {"X-Forwarded-For": "192.0.2.20"}
    codes = [post(url, f"a{n}@example.org", **alice).status_code for n in range(3)]
    codes += [post(url, f"b{n}@example.org", **bob).status_code for n in range(3)]
    assert codes == [202, 202, 429, 202, 202, 429]
    with caplog.at_level(logging.INFO, logger="newsletter.service"):
        response = httpx.post(f"{url}/api/newsletter/subscribe",
                              data={**GOOD, "email": "bot@example.org", "website": "x"},
                              headers={"Origin": url, "Accept": "application/json",
                                       "X-Forwarded-For": "192.0.2.30"})
    assert response.status_code == 202
    assert "honeypot filled from 192.0.2.30" in caplog.text  # our log names the real client


def test_a_proxy_that_sends_no_header_is_warned_about_once(endpoint, caplog):
    url, _ = endpoint(trusted_proxies=["127.0.0.0/8"], rate_limit_ip=[100, 60])
    with caplog.at_level(logging.WARNING, logger="newsletter.clientip"):
        for n in range(3):
            assert post(url, f"n{n}@example.org").status_code == 202
    assert caplog.text.count("sent no x-forwarded-for header") == 1


def test_plus_tags_case_and_gmail_dots_share_one_address_budget(endpoint):
    """Before: every `+tag` variant of one mailbox was a new address (10 of 10 mailed)."""
    url, backend = endpoint(rate_limit_ip=[100, 60], rate_limit_address=[2, 3600])
    spellings = ["reader+1@gmail.com", "Reader+news@GMAIL.com", "r.e.a.d.e.r@googlemail.com",
                 "reader+2@gmail.com"]
    codes = [post(url, address).json()["outcome"] for address in spellings]
    assert codes == ["check-inbox", "check-inbox", "rate-limited", "rate-limited"]
    # Only the limit key is normalised: what is stored and mailed is what was typed.
    assert [sub.email for sub in backend.calls] == ["reader+1@gmail.com",
                                                    "Reader+news@gmail.com"]
    assert post(url, "reader@example.org").status_code == 202  # another mailbox


# --- the rules, as tables --------------------------------------------------------------------
TRUSTED = parse_networks(["127.0.0.1", "10.0.0.0/8", "fd00::/8"])


@pytest.mark.parametrize("peer, header, value, client", [
    ("127.0.0.1", "x-forwarded-for", "1.2.3.4", "1.2.3.4"),
    ("192.0.2.1", "x-forwarded-for", "1.2.3.4", "192.0.2.1"),  # peer untrusted: header ignored
    ("127.0.0.1", "x-forwarded-for", "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # client's forgery left
    ("127.0.0.1", "x-forwarded-for", "1.2.3.4, 10.1.2.3", "1.2.3.4"),  # two trusted hops
    ("127.0.0.1", "x-forwarded-for", "10.0.0.1, 10.0.0.2", "10.0.0.1"),  # all trusted
    ("127.0.0.1", "x-forwarded-for", "::ffff:1.2.3.4", "1.2.3.4"),
    ("127.0.0.1", "x-forwarded-for", "", "127.0.0.1"),
    ("127.0.0.1", "forwarded", 'for=1.2.3.4;proto=https, for="[2001:db8::1]:4711"',
     "2001:db8::1"),
    ("127.0.0.1", "forwarded", "for=1.2.3.4:80;by=10.0.0.1", "1.2.3.4"),
    ("127.0.0.1", "forwarded", "for=unknown", "unknown"),
    ("fd00::5", "x-forwarded-for", "2001:db8::7", "2001:db8::7"),
])
def test_client_is_the_right_most_untrusted_hop(peer, header, value, client):
    addresses = ClientAddresses(TRUSTED, header)
    headers = [(header.encode(), value.encode())] if value else []
    assert addresses.client(peer, headers) == client


def test_several_header_lines_are_one_list():
    addresses = ClientAddresses(TRUSTED)
    headers = [(b"x-forwarded-for", b"6.6.6.6"), (b"x-forwarded-for", b"1.2.3.4")]
    assert addresses.client("127.0.0.1", headers) == "1.2.3.4"


def test_no_trusted_proxies_means_the_peer():
    headers = [(b"x-forwarded-for", b"1.2.3.4")]
    assert ClientAddresses(()).client("127.0.0.1", headers) == "127.0.0.1"


@pytest.mark.parametrize("client, key", [
    ("192.0.2.1", "192.0.2.1"),
    ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),  # one subscriber line: one budget
    ("2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"),
    ("unknown", "unknown"),
])
def test_ip_limit_keys(client, key):
    assert limit_key(client) == key


@pytest.mark.parametrize("address, key", [
    ("Reader@Example.org", "reader@example.org"),
    ("reader+news@example.org", "reader@example.org"),
    ("first.last@example.org", "first.last@example.org"),  # dots matter elsewhere
    ("First.Last+x@googlemail.com", "firstlast@gmail.com"),
    ("f.i.r.s.t.l.a.s.t@gmail.com", "firstlast@gmail.com"),
    ("+only@example.org", "+only@example.org"),
])
def test_address_limit_keys(address, key):
    assert address_key(address) == key


@pytest.mark.parametrize("value, problem", [
    ("127.0.0.1", "['trusted_proxies'] must be a list of IP addresses or networks"),
    (["127.0.0.1", "localhost"], "['trusted_proxies'][1] must be an IP address or network "
                                 "such as '127.0.0.1', '10.0.0.0/8' or '::1', got 'localhost'"),
    (["10.0.0.0/33"], "['trusted_proxies'][0] must be an IP address or network such as "
                      "'127.0.0.1', '10.0.0.0/8' or '::1', got '10.0.0.0/33'"),
])
def test_trusted_proxies_are_validated_at_load(newsletter_settings, value, problem):
    with pytest.raises(SettingsError, match=r"NEWSLETTER\['trusted_proxies'\]") as err:
        load_config(newsletter_settings(trusted_proxies=value), environ=SECRET)
    assert problem in str(err.value)


def test_trusted_proxies_accept_addresses_and_networks(newsletter_settings):
    config = load_config(newsletter_settings(trusted_proxies=["127.0.0.1", "10.0.0.0/8",
                                                              "::1"]), environ=SECRET)
    assert config.trusted_proxies == (ipaddress.ip_network("127.0.0.1/32"),
                                      ipaddress.ip_network("10.0.0.0/8"),
                                      ipaddress.ip_network("::1/128"))
