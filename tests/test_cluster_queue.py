"""What travels through Redis: jobs and results round-trip, hostile results are refused,
passwords are masked, and a worker's stand-in for the articles table answers the store."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from cryptography.fernet import Fernet

from crawler import store
from crawler.items import ArticleItem, DiscoveryItem, ValidatorsItem
from crawler.poll import PollRequest, PollResult, Recheck
from scheduler.cluster import queue, replies
from scheduler.cluster.queue import (
    BadMessage,
    Job,
    Sealer,
    SealError,
    check,
    decode_job,
    decode_result,
    encode_job,
    encode_result,
    mask_url,
    new_job_id,
)
from scheduler.cluster.worker import KnownArticles
from scheduler.config import ConfigError, parse_config

FEED = "https://news.example/feed.xml"


def _result() -> PollResult:
    result = PollResult(FEED, answered=True, entries=2)
    result.articles.append(
        ArticleItem(
            url="https://news.example/a",
            source_url=FEED,
            title="A",
            text="Taliban envoys",
            extracted_from="page",
            aliases=["https://news.example/a?utm=1"],
        )
    )
    result.validators[FEED] = ValidatorsItem(FEED, '"e1"', "Wed, 02 Dec 2026 02:00:00 GMT")
    result.discovery = DiscoveryItem(FEED, "feed", FEED, [("feed", FEED)], "named by <link>")
    result.stats = {"downloader/request_count": 3, "start_time": object()}
    return result


def test_a_job_round_trips_with_its_validators_discovery_and_known_articles() -> None:
    request = PollRequest(
        FEED,
        "auto",
        source_name="News",
        allow_domains=("cdn.example",),
        resolved=("feed", FEED),
        validators={FEED: ('"e1"', None)},
        rechecks=(Recheck("https://news.example/a", "A", etag='"p1"'),),
    )
    job = Job(new_job_id(), request, 1e10, "news.example", [("https://news.example/a", None, [])])
    back = decode_job(encode_job(job))
    assert back == job


def test_a_result_round_trips_and_drops_stats_that_are_not_plain_figures() -> None:
    job_id = new_job_id()
    delivery = decode_result(encode_result(job_id, "w1", _result()))
    assert delivery.job_id == job_id and delivery.worker == "w1"
    assert delivery.result.articles == _result().articles
    assert delivery.result.validators == _result().validators
    assert delivery.result.discovery == _result().discovery
    assert delivery.result.stats == {"downloader/request_count": 3}


def test_a_story_signature_made_by_a_worker_does_not_travel() -> None:
    result = _result()
    result.articles[0].signature = ("minhash-affine32-p128-s1-w4", 40, b"\0" * 512)
    (article,) = decode_result(encode_result(new_job_id(), "w1", result)).result.articles
    assert article.signature is None  # the writer computes it from the text
    assert article == dataclasses.replace(result.articles[0], signature=None)


def _tampered(change: object) -> dict[str, str]:
    envelope = json.loads(encode_result(new_job_id(), "w1", _result())["result"])
    change(envelope)
    return {"result": json.dumps(envelope)}


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda e: e["result"]["articles"][0].update(url="javascript:alert(1)"), "url"),
        (lambda e: e["result"]["articles"][0].update(sql="DROP TABLE articles"), "sql"),
        (lambda e: e["result"].update(targets=["mailto://attacker"]), "targets"),
        (lambda e: e["result"]["articles"][0].update(extracted_from="db"), "extracted_from"),
        (lambda e: e["result"].update(entries=-1), "entries"),
        (lambda e: e.update(job="../../etc"), "job"),
    ],
)
def test_a_result_that_breaks_the_schema_is_refused_naming_where(change, where) -> None:
    with pytest.raises(BadMessage, match=where):
        check(decode_result, _tampered(change))


def test_a_result_that_is_not_json_is_refused() -> None:
    with pytest.raises(BadMessage, match="not JSON"):
        check(decode_result, {"result": b"{not json"})
    with pytest.raises(BadMessage, match="no 'result'"):
        check(decode_result, {"other": b"{}"})


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("redis://:hunter2@redis.lan:6379/0", "redis://:***@redis.lan:6379/0"),
        ("redis://fetch:hunter2@redis.lan/1", "redis://fetch:***@redis.lan/1"),
        ("rediss://hunter2@redis.lan", "rediss://***@redis.lan"),
        ("redis://redis.lan:6379?password=hunter2", "redis://redis.lan:6379?password=***"),
        ("redis://redis.lan:6379/0", "redis://redis.lan:6379/0"),
    ],
)
def test_a_redis_url_is_shown_without_its_password(url: str, masked: str) -> None:
    assert mask_url(url) == masked
    assert "hunter2" not in mask_url(url)


def test_the_cluster_section_is_read_and_a_bad_url_is_refused_without_echoing_it() -> None:
    config = parse_config(
        '[cluster]\nredis = "${REDIS_URL}"\nlease = "30s"\n',
        environ={"REDIS_URL": "redis://:hunter2@redis.lan:6379/0"},
    )
    assert config.cluster.redis.endswith("redis.lan:6379/0")
    assert config.cluster.lease.total_seconds() == 30
    assert "hunter2" not in repr(config)
    assert parse_config("").cluster is None
    with pytest.raises(ConfigError, match=r"\[cluster\], key 'redis'") as caught:
        parse_config('[cluster]\nredis = "http://:hunter2@redis.lan"\n')
    assert "hunter2" not in str(caught.value)
    assert config.cluster.max_deliveries == 3
    for bad in ("0", '"3"'):
        with pytest.raises(ConfigError, match=r"\[cluster\], key 'max_deliveries'"):
            parse_config(f'[cluster]\nredis = "redis://r"\nmax_deliveries = {bad}\n')


def test_known_articles_answer_the_store_lookup_as_the_database_would() -> None:
    known = KnownArticles()
    known.add([("https://news.example/a", "2026-12-01T00:00:00Z", ["https://news.example/a?x"])])
    known.add([("https://news.example/a", "2026-12-02T00:00:00Z", [])])
    found = store.article_states(
        known, ["https://news.example/a", "https://news.example/a?x", "https://news.example/b"]
    )
    assert {url: updated for url, (_, updated) in found.items()} == {
        "https://news.example/a": "2026-12-02T00:00:00Z",
        "https://news.example/a?x": "2026-12-02T00:00:00Z",
    }


@pytest.mark.parametrize(
    ("dataclass_", "schema"),
    [
        (PollRequest, queue._RequestSchema),
        (PollResult, queue._ResultSchema),
        (ArticleItem, queue._ArticleSchema),
        (DiscoveryItem, queue._DiscoverySchema),
        (Recheck, queue._RecheckSchema),
    ],
)
def test_every_field_of_the_engine_dataclasses_travels(dataclass_, schema) -> None:
    # A field added to the engine's plain data must be checked and carried, not dropped
    # (but for those named as never travelling).
    local = set(queue.LOCAL_ARTICLE_FIELDS) if dataclass_ is ArticleItem else set()
    assert {f.name for f in dataclasses.fields(dataclass_)} - local == set(schema.model_fields)


def test_redis_replies_are_read_into_typed_entries_in_either_protocol() -> None:
    resp2 = [[b"newsradar:jobs", [(b"1-0", {b"job": b"{}"}), (b"2-0", None)]]]
    resp3 = {"newsradar:jobs": [["1-0", {"job": "{}"}]]}
    for reply in (resp2, resp3):
        assert replies.read_group(reply) == [replies.Entry("1-0", {"job": b"{}"})]
    assert replies.read_group(None) == []
    claimed = replies.autoclaim([b"0-0", [(b"3-0", {b"job": b"x"})], [b"4-0"]])
    assert claimed.entries == [replies.Entry("3-0", {"job": b"x"})]
    assert claimed.deleted == ["4-0"]
    (pending,) = replies.pending([_PENDING])
    assert pending == replies.Pending("3-0", "w1", 1500, 2)
    assert replies.pending_count({"pending": 4, "min": None}) == 4


_PENDING = {
    "message_id": b"3-0",
    "consumer": b"w1",
    "time_since_delivered": 1500,
    "times_delivered": 2,
}


@pytest.mark.parametrize(
    ("parse", "reply", "why"),
    [
        (replies.read_group, b"OK", "XREADGROUP: the reply is a bytes, not a list"),
        (replies.read_group, [[b"s"]], "XREADGROUP: a stream has 1 parts"),
        (replies.read_group, [[b"s", [(b"1-0", [b"job"])]]], "fields are not a mapping"),
        (replies.read_group, [[b"s", [(b"\xff", {b"job": b"x"})]]], "entry id is not UTF-8"),
        (replies.autoclaim, [b"0-0"], "XAUTOCLAIM: the reply has 1 parts"),
        (replies.autoclaim, [7, [], []], "the cursor is a int"),
        (replies.pending, [{"message_id": b"1-0"}], "XPENDING: an entry has no 'consumer'"),
        (replies.pending, [{**_PENDING, "time_since_delivered": b"soon"}], "idle time is not"),
        (replies.pending_count, [], "no 'pending' count"),
        (replies.hash_fields, [b"w1"], "HGETALL: the reply is a list"),
    ],
)
def test_a_malformed_redis_reply_is_refused_naming_the_command(parse, reply, why) -> None:
    with pytest.raises(replies.MalformedReply, match=re.escape(why)):
        parse(reply)


SECRET = Fernet.generate_key().decode()


def _protected_job() -> Job:
    request = PollRequest(FEED, "feed", credentials=("reader", "pa55:word"))
    return Job(new_job_id(), request, 1e10, "news.example")


def test_credentials_travel_sealed_and_open_only_with_the_secret_for_their_source() -> None:
    job = _protected_job()
    entry = encode_job(job, Sealer(SECRET))
    assert "pa55" not in str(entry) and "reader" not in str(entry)
    back = decode_job(entry)
    assert back.request.credentials is None and back.sealed is not None
    assert Sealer(SECRET).open(FEED, back.sealed) == ("reader", "pa55:word")
    # Another secret, or the token moved into a job for another host, opens nothing.
    with pytest.raises(SealError, match="do not open with this worker's"):
        Sealer(Fernet.generate_key().decode()).open(FEED, back.sealed)
    with pytest.raises(SealError, match="sealed for another source"):
        Sealer(SECRET).open("https://attacker.example/feed.xml", back.sealed)
    assert SECRET not in repr(Sealer(SECRET))


def test_credentials_never_go_in_clear() -> None:
    with pytest.raises(SealError, match=r"\[cluster\] secret is not set"):
        encode_job(_protected_job())
    # A job that carries them in clear (from an older service, or forged) is refused.
    body = json.loads(encode_job(_protected_job(), Sealer(SECRET))["job"])
    body["request"]["credentials"] = ["reader", "pa55:word"]
    with pytest.raises(BadMessage, match=r"request\.credentials"):
        check(decode_job, {"job": json.dumps(body)})


def test_the_cluster_secret_is_checked_required_for_credentials_and_never_echoed() -> None:
    protected = '[[source]]\nname = "Private"\nurl = "https://reader:pa55@news.example/feed"\n'
    config = parse_config(
        '[cluster]\nredis = "redis://r"\nsecret = "${SECRET}"\n' + protected,
        environ={"SECRET": SECRET},
    )
    assert config.cluster is not None and config.cluster.secret == SECRET
    assert SECRET not in repr(config) and SECRET not in str(config)
    with pytest.raises(ConfigError, match=r"\[cluster\], key 'secret': must be a Fernet key"):
        parse_config('[cluster]\nredis = "redis://r"\nsecret = "hunter2-not-a-key"\n')
    with pytest.raises(ConfigError) as caught:
        parse_config('[cluster]\nredis = "redis://r"\n' + protected)
    message = str(caught.value)
    assert "[cluster], key 'secret': is required" in message and "source #1 (Private)" in message
    assert "\n" not in message and "pa55" not in message
    parse_config(protected)  # without workers the service fetches itself: no secret needed
