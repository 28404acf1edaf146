"""The load test's users (issue 14), for headless locust; started by ``bench/bench_load.py``.

    locust -f bench/locustfile.py --headless -H http://127.0.0.1:PORT -u 200 -r 20 -t 5m

Environment (set by the runner):

- ``LOAD_USERS_JSON``: what ``bench/load_data.py`` wrote (usernames, citizens, CPR numbers).
- ``LOAD_MODE``: ``think`` (the default: caseworkers, managers and the DPO with
  ``between(2, 10)`` s of think time between pages), ``ours`` (the citizen page with no
  think time) or ``bare`` (the bench-only bare view, ``bench/load_views.py``, likewise).
- ``LOAD_SEED``: the base seed; user number *n* of a class draws from
  ``random.Random(f"{seed}:{class}:{n}")``, and ``random.seed(seed)`` at the start.
- ``LOAD_COUNTS_JSON``: where to write, when the test stops, every request that should
  have written an audit event, by action, with the ``X-Request-ID`` of each (the
  middleware puts the same id into the event), and for the saturation modes the
  measured window's throughput and response times.
- ``LOAD_USERS``, ``LOAD_WARMUP_SECONDS`` and ``LOAD_MEASURE_SECONDS``: every mode waits
  until all ``LOAD_USERS`` users have tried to log in (each login hashes a password
  with Argon2: slow by design), then ``LOAD_WARMUP_SECONDS`` more; then locust's
  statistics are reset (those before are kept apart), the requests are counted for
  ``LOAD_MEASURE_SECONDS``, and the run stops (``--run-time`` is only the hard limit).
  The think phase has at least one manager and one DPO (``fixed_count``).
- Besides the expected events, the JSON holds locust's own statistics per page, taken
  when the test stops (after the users have stopped).

Every request is named by its page, so locust's statistics are per page; no URL carries
a CPR number (the searches are POSTs). Only 127.0.0.1 is ever asked: the host must be
local, or the users stop at once.
"""

from __future__ import annotations

import collections
import itertools
import json
import math
import os
import random
import re
import time
from urllib.parse import urlsplit

import gevent
from locust import FastHttpUser, between, constant, events, task

MODE = os.environ.get("LOAD_MODE", "think")
SEED = int(os.environ.get("LOAD_SEED", "2026"))
WARMUP_SECONDS = float(os.environ.get("LOAD_WARMUP_SECONDS", "5"))
MEASURE_SECONDS = float(os.environ.get("LOAD_MEASURE_SECONDS", "30"))
_PLAN: dict | None = None

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
HIDDEN = r'name="{}" value="(\d+)"'
CHART = re.compile(r"/cockpit/charts/([\w-]+)\.svg")
CITIZEN_LOCATION = re.compile(r"/citizens/([0-9a-f-]{36})/")

# What the locust side expects the server to have recorded: action -> request ids.
EXPECTED: dict[str, list[str]] = collections.defaultdict(list)
# The saturation modes' page requests: (completed at, response time in ms).
DONE: list[tuple[float, float]] = []
LOGGED_IN = 0
WINDOW: dict[str, float] = {}
LOGIN_STATS: dict[str, dict] = {}  # every page's statistics up to the measured window


def plan() -> dict:
    global _PLAN
    if _PLAN is None:
        with open(os.environ["LOAD_USERS_JSON"], encoding="utf-8") as handle:
            _PLAN = json.load(handle)
    return _PLAN


def expect(action: str, response) -> None:
    EXPECTED[action].append(response.headers.get("X-Request-ID", ""))


@events.test_start.add_listener
def _test_start(environment, **_kwargs):
    host = urlsplit(environment.host or "").hostname
    if host != "127.0.0.1":
        raise SystemExit(f"the load test only asks 127.0.0.1, not {host!r}")
    random.seed(SEED)
    gevent.spawn(_measure, environment)


def _measure(environment):
    """Once every user has logged in, a warm-up; then locust's statistics are reset
    (those of the logins kept apart), the measured window runs, and the run stops."""
    target = int(os.environ.get("LOAD_USERS") or environment.parsed_options.num_users or 1)
    while target > LOGGED_IN:  # every user has tried to log in
        gevent.sleep(0.2)
    WINDOW["logged_in"] = time.monotonic()
    gevent.sleep(WARMUP_SECONDS)
    LOGIN_STATS.update(_page_stats(environment))
    environment.stats.reset_all()
    WINDOW["from"] = time.monotonic()
    gevent.sleep(MEASURE_SECONDS)
    WINDOW["to"] = time.monotonic()
    environment.runner.quit()


def _percentile(ordered: list[float], q: float) -> float | None:
    if not ordered:
        return None
    return round(ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))], 1)


def _page_stats(environment) -> dict:
    stats = {}
    for (name, _method), entry in sorted(environment.stats.entries.items()):
        stats[name] = {
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "p50_ms": entry.get_response_time_percentile(0.5),
            "p95_ms": entry.get_response_time_percentile(0.95),
            "p99_ms": entry.get_response_time_percentile(0.99),
            "rps": round(entry.total_rps, 3),
        }
    return stats


def _write_counts(environment, **_kwargs):
    """At the test's end (after the users have stopped): locust's statistics per page,
    the expected events, and for the saturation modes the measured window."""
    path = os.environ.get("LOAD_COUNTS_JSON")
    if not path:
        return
    result = {
        "mode": MODE,
        "stats": _page_stats(environment),  # the measured window's
        "before_window": LOGIN_STATS,
        "window": {
            "complete": "to" in WINDOW,
            "login_seconds": round(WINDOW["logged_in"] - WINDOW["spawned"], 2)
            if "logged_in" in WINDOW and "spawned" in WINDOW
            else None,
        },
        "expected": {action: len(ids) for action, ids in sorted(EXPECTED.items())},
        "request_ids": dict(sorted(EXPECTED.items())),
    }
    if MODE in ("ours", "bare"):
        start, end = WINDOW.get("from"), WINDOW.get("to")
        inside = sorted(ms for at, ms in DONE if start is not None and start <= at <= (end or at))
        seconds = ((end or time.monotonic()) - start) if start is not None else 0
        result["throughput"] = {
            "complete": end is not None,
            "login_seconds": round(WINDOW["logged_in"] - WINDOW["spawned"], 2)
            if "logged_in" in WINDOW and "spawned" in WINDOW
            else None,
            "requests": len(inside),
            "seconds": round(seconds, 2),
            "rps": round(len(inside) / seconds, 2) if seconds > 0 and inside else None,
            "p50_ms": _percentile(inside, 0.50),
            "p95_ms": _percentile(inside, 0.95),
            "p99_ms": _percentile(inside, 0.99),
        }
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(result, handle)


events.test_stop.add_listener(_write_counts)


class LoadUser(FastHttpUser):
    """Logs in through the login form (with its CSRF token), as a browser does."""

    abstract = True
    role_key = ""
    _numbers: itertools.count
    wait_time = between(2, 10)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        number = next(self._numbers)
        people = plan()[self.role_key]
        self.person = people[number % len(people)]
        self.rng = random.Random(f"{SEED}:{type(self).__name__}:{number}")

    def on_start(self):
        WINDOW.setdefault("spawned", time.monotonic())
        page = self.client.get("/login/", name="login (form)")
        token = CSRF_INPUT.search(page.text or "")
        with self.client.post(
            "/login/",
            data={
                "username": self.person["username"],
                "password": plan()["password"],
                "csrfmiddlewaretoken": token.group(1) if token else "",
                "next": "",
            },
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 302:
                expect("auth.login", response)
            else:
                if response.status_code == 200:
                    expect("auth.login_failed", response)
                response.failure(f"login {self.person['username']}: {response.status_code}")
        global LOGGED_IN
        LOGGED_IN += 1

    def token(self, text: str | None) -> str:
        found = CSRF_INPUT.search(text or "")
        return found.group(1) if found else ""

    def citizen_page(self, citizen_id: str, name: str = "citizen"):
        """The citizen page: CITIZEN_VIEW, and ESTIMATE_VIEW when the estimate is shown."""
        with self.client.get(
            f"/citizens/{citizen_id}/", name=name, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"citizen page: {response.status_code}")
                return None
            expect("citizen.view", response)
            if 'id="estimate-probability"' in (response.text or ""):
                expect("estimate.view", response)
            return response.text


class Caseworker(LoadUser):
    """The meeting: the caseload, the citizen found by CPR (a POST) or from the
    caseload, their page, the caseworker's own judgement, the letter."""

    weight = 46
    role_key = "caseworkers"
    _numbers = itertools.count()

    def on_start(self):
        super().on_start()
        self.caseload_token = ""

    @task
    def meeting(self):
        with self.client.get("/citizens/", name="caseload", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"caseload: {response.status_code}")
                return
            expect("caseload.view", response)
            token = self.token(response.text)
        self.think()

        person = self.person
        if person["cprs"] and self.rng.random() < 0.5:
            found = self.rng.choice(person["cprs"])
            with self.client.post(
                "/citizens/search/",
                data={"query": found["cpr"], "csrfmiddlewaretoken": token},
                name="search (CPR)",
                allow_redirects=False,
                catch_response=True,
            ) as response:
                if response.status_code in (200, 302):
                    expect("citizen.search", response)
                location = response.headers.get("Location", "")
                match = CITIZEN_LOCATION.search(location)
                if response.status_code != 302 or match is None or match.group(1) != found["id"]:
                    response.failure(f"search: {response.status_code} {location[:60]}")
                    return
            citizen_id = found["id"]
            # The browser follows the redirect at once.
        else:
            citizen_id = self.rng.choice(person["citizens"])
            self.think()
        text = self.citizen_page(citizen_id)
        if text is None:
            return
        self.think()

        snapshot = re.search(HIDDEN.format("snapshot_id"), text)
        if snapshot is not None and 'id="judgement-form"' in text:
            estimate = re.search(HIDDEN.format("estimate_id"), text)
            form = {
                "csrfmiddlewaretoken": self.token(text),
                "action": "judgement",
                "snapshot_id": snapshot.group(1),
                "estimate_id": estimate.group(1) if estimate else "",
                "risk_band": self.rng.choice(["low", "medium", "high"]),
                "next_step": self.rng.choice(["none_yet", "guidance", "upskilling", "internship"]),
            }
            disagrees = estimate is not None and self.rng.random() < 0.15
            if estimate is not None:
                form["agreement"] = "disagree" if disagrees else "agree"
            if disagrees:
                form["reason_category"] = "citizen_situation"
                form["reason_text"] = "Borgeren har fået tilsagn om et job fra næste måned."
            with self.client.post(
                f"/citizens/{citizen_id}/",
                data=form,
                name="judgement (POST)",
                allow_redirects=False,
                catch_response=True,
            ) as response:
                if response.status_code == 302:
                    expect("judgement.disagree" if disagrees else "judgement.record", response)
                else:
                    if response.status_code == 400:  # the page again, with the errors
                        expect("citizen.view", response)
                        if 'id="estimate-probability"' in (response.text or ""):
                            expect("estimate.view", response)
                    response.failure(f"judgement: {response.status_code}")
                    return
            self.citizen_page(citizen_id)  # the redirect back to the page
            self.think()

        with self.client.get(
            f"/citizens/{citizen_id}/letter/", name="letter", catch_response=True
        ) as response:
            if response.status_code == 200:
                expect("letter.produce", response)
            else:
                response.failure(f"letter: {response.status_code}")

    def think(self):
        self.wait()  # the think time between pages of the meeting, as between tasks


class Manager(LoadUser):
    """The cockpit, for the whole jobcenter or a team, and a chart or the figures."""

    weight = 3
    role_key = "managers"
    _numbers = itertools.count()

    @task(3)
    def cockpit(self):
        response = self.client.get("/cockpit/", name="cockpit")
        keys = CHART.findall(response.text or "")
        if keys:
            self.client.get(f"/cockpit/charts/{self.rng.choice(keys)}.svg", name="cockpit chart")

    @task(2)
    def cockpit_team(self):
        team = self.rng.choice(plan()["team_ids"])
        self.client.get(f"/cockpit/?team={team}", name="cockpit (team)")

    @task(1)
    def cockpit_csv(self):
        response = self.client.get("/cockpit/", name="cockpit")
        keys = sorted(set(re.findall(r"/cockpit/data/([\w-]+)\.csv", response.text or "")))
        if keys:
            self.client.get(f"/cockpit/data/{self.rng.choice(keys)}.csv", name="cockpit CSV")


class Dpo(LoadUser):
    """The DPO searching the log: the first page, a citizen's events, a search by CPR
    (a POST), a citizen's access report."""

    weight = 1
    role_key = "dpos"
    _numbers = itertools.count()

    def _get(self, url: str, name: str, action: str = "audit.view"):
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code == 200:
                expect(action, response)
            else:
                response.failure(f"{name}: {response.status_code}")
            return response

    @task(3)
    def log(self):
        response = self._get("/audit/", "dpo log")
        self.token_value = self.token(response.text)

    @task(2)
    def log_by_citizen(self):
        citizen = self.rng.choice(self.person["citizens"])
        self._get(f"/audit/?citizen={citizen}", "dpo log (citizen)")

    @task(1)
    def log_by_action(self):
        self._get("/audit/?action=judgement.disagree", "dpo log (action)")

    @task(2)
    def search_by_cpr(self):
        response = self._get("/audit/", "dpo log")
        cprs = [c for worker in plan()["caseworkers"] for c in worker["cprs"]]
        if not cprs:
            return
        found = self.rng.choice(cprs)
        with self.client.post(
            "/audit/citizen/",
            data={"cpr": found["cpr"], "csrfmiddlewaretoken": self.token(response.text)},
            name="dpo search (CPR)",
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            if answer.status_code in (200, 302):
                expect("audit.view", answer)
            if answer.status_code != 302:
                answer.failure(f"dpo search: {answer.status_code}")
                return
        self._get(f"/audit/?citizen={found['id']}", "dpo log (citizen)")

    @task(1)
    def access_report(self):
        citizen = self.rng.choice(self.person["citizens"])
        self._get(
            f"/audit/citizens/{citizen}/access-report/", "dpo access report", "audit.access_report"
        )


class Saturating(LoadUser):
    """A caseworker asking for citizen pages as fast as the server answers."""

    abstract = True
    role_key = "caseworkers"
    wait_time = constant(0)

    @staticmethod
    def measured(started: float) -> None:
        done = time.monotonic()
        DONE.append((done, (done - started) * 1000))


class CitizenPageFlat(Saturating):
    _numbers = itertools.count()

    @task
    def page(self):
        started = time.monotonic()
        if self.citizen_page(self.rng.choice(self.person["citizens"]), name="citizen") is not None:
            self.measured(started)


class BareViewFlat(Saturating):
    _numbers = itertools.count()

    @task
    def page(self):
        citizen_id = self.rng.choice(self.person["citizens"])
        started = time.monotonic()
        with self.client.get(
            f"/bench/citizen/{citizen_id}/", name="bare", catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"bare: {response.status_code}")
                return
            expect("citizen.view", response)
            if response.text == "estimate":
                expect("estimate.view", response)
        self.measured(started)


# At least one manager and one DPO in the think phase, whatever the number of users.
_USERS = int(os.environ.get("LOAD_USERS") or 0)
if _USERS:
    Manager.fixed_count = max(1, round(_USERS * Manager.weight / 50))
    Dpo.fixed_count = max(1, round(_USERS * Dpo.weight / 50))

# Only the classes of the mode run (locust runs every non-abstract User in the file).
if MODE == "ours":
    Caseworker.abstract = Manager.abstract = Dpo.abstract = BareViewFlat.abstract = True
elif MODE == "bare":
    Caseworker.abstract = Manager.abstract = Dpo.abstract = CitizenPageFlat.abstract = True
else:
    CitizenPageFlat.abstract = BareViewFlat.abstract = True
