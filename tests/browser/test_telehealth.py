"""A video session in two real Chromium contexts, with real `confide serve` (two workers), PostgreSQL or
SQLite, a real SMTP server and Debian's coturn on loopback.

Chromium's fake camera and microphone (`--use-fake-device-for-media-stream`,
`--use-fake-ui-for-media-stream`) stand in for the devices; everything else is real: the privacy
checks, the waiting room and admission, the peer connection over loopback, frames both ways, the
safety codes (and that a fingerprint swapped in the signalling makes them differ), leaving and
rejoining, audio only, and a relay-only session through coturn. No media reaches Confide: the
test counts every byte the browsers send to it and checks where the media goes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Request, Route, expect

from tests.a11y.test_axe import AXE, BLOCKING
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, BrowserProblems, Confide, Mailbox
from tests.browser.test_client_portal import mail_text, sign_consent
from tests.browser.test_staff_onboarding import enrol_totp, sign_in_with_password
from tests.processes import OWNER_PASSWORD, Server, base_env, free_port, init_practice, scratch_database

pytestmark = pytest.mark.browser

NewContext = Callable[[], BrowserContext]
CLIENT_EMAIL = "tamsin.video@example.test"
CLIENT_PASSWORD = "amber kettle lighthouse fern"
GIVEN, FAMILY = "Tamsin", "Ollerhead"
EMERGENCY_CONTACT = "Bryony Ollerhead, +1 555 0142"
TURN_SECRET = "loopback-only-turn-secret-for-tests"
MEDIA_ARGS = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
              "--autoplay-policy=no-user-gesture-required"]


# ----------------------------------------------------------------------------- coturn, Confide, Chromium


@dataclass
class Turn:
    port: int
    log: Path


@pytest.fixture
def coturn(tmp_path: Path) -> Iterator[Turn]:
    """Debian's coturn on 127.0.0.1, with TURN REST API credentials (`use-auth-secret`)."""
    binary = shutil.which("turnserver") or "/usr/bin/turnserver"
    if not Path(binary).exists():
        pytest.fail("coturn is missing: run scripts/services (it installs Debian's coturn)")
    port = free_port()
    relay_low = 49160 + (port % 200) * 20
    log = tmp_path / "coturn.log"
    process = subprocess.Popen(
        [binary, "-n", "--listening-ip=127.0.0.1", f"--listening-port={port}", "--relay-ip=127.0.0.1",
         f"--min-port={relay_low}", f"--max-port={relay_low + 19}", "--use-auth-secret",
         f"--static-auth-secret={TURN_SECRET}", "--realm=confide.test", "--no-tls", "--no-dtls", "--no-cli",
         "--allow-loopback-peers", "--fingerprint", "--no-software-attribute", f"--log-file={log}",
         "--simple-log", "--pidfile", str(tmp_path / "coturn.pid")],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    time.sleep(0.5)
    try:
        assert process.poll() is None, f"coturn did not start: {log.read_text() if log.exists() else ''}"
        yield Turn(port=port, log=log)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def confide(tmp_path: Path, mailbox: tuple[Mailbox, int], coturn: Turn) -> Iterator[Confide]:
    """`confide init` then `confide serve` (two workers) with STUN and TURN pointing at the coturn above."""
    box, smtp_port = mailbox
    port = free_port()
    with scratch_database() as database_url:
        data_dir = tmp_path / "data"
        env = base_env(
            data_dir, database_url,
            CONFIDE_EMAIL_BACKEND="smtp", CONFIDE_SMTP_HOST="127.0.0.1", CONFIDE_SMTP_PORT=str(smtp_port),
            CONFIDE_SMTP_STARTTLS="false", CONFIDE_SITE_URL=f"http://127.0.0.1:{port}",
            CONFIDE_WORKER_JOBS_SECONDS="1", CONFIDE_DEFAULT_QUIET_HOURS="0-0",
            CONFIDE_STUN_URLS=f"stun:127.0.0.1:{coturn.port}",
            CONFIDE_TURN_URLS=f"turn:127.0.0.1:{coturn.port}?transport=udp",
            CONFIDE_TURN_SECRET=TURN_SECRET, CONFIDE_TURN_TTL_SECONDS="600",
        )
        init_practice(data_dir, env)
        server = Server(env, port)
        worker_log = (tmp_path / "worker.log").open("wb")
        worker = subprocess.Popen([sys.executable, "-m", "confide", "worker", "--interval", "0.2"], env=env,
                                  stdout=worker_log, stderr=subprocess.STDOUT)
        try:
            yield Confide(url=server.url, server=server, mailbox=box)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
            worker_log.close()
            server.stop()


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Chromium with the standard flags and a fake camera and microphone."""
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                          args=[*CHROMIUM_ARGS, *MEDIA_ARGS])
    try:
        yield chromium
    finally:
        chromium.close()


# ----------------------------------------------------------------------------- helpers


class Traffic:
    """Every request a context sends to Confide, with the size of what it carried."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.requests: list[tuple[str, str, int, str]] = []

    def watch(self, context: BrowserContext) -> None:
        context.on("request", self._seen)

    def _seen(self, request: Request) -> None:
        body = request.post_data_buffer or b""
        self.requests.append((request.method, request.url, len(body), request.headers.get("content-type", "")))

    def uploaded(self) -> int:
        return sum(size for _, url, size, _ in self.requests if f":{self.port}/" in url)


def stats(page: Page) -> dict[str, Any]:
    """The numbers of the page's peer connection that say media flows, and where."""
    result: dict[str, Any] = page.evaluate("""async () => {
      const pc = window.confideRoom.pc;
      if (!pc) return {state: "none"};
      const out = {state: pc.connectionState, inVideoFrames: 0, inAudioPackets: 0, bytesIn: 0, bytesOut: 0,
                   outVideoFrames: 0, pair: null};
      const all = await pc.getStats();
      all.forEach((r) => {
        if (r.type === "inbound-rtp" && r.kind === "video") { out.inVideoFrames += r.framesDecoded || 0; }
        if (r.type === "inbound-rtp" && r.kind === "audio") { out.inAudioPackets += r.packetsReceived || 0; }
        if (r.type === "outbound-rtp" && r.kind === "video") { out.outVideoFrames += r.framesEncoded || 0; }
        if (r.type === "transport") {
          out.bytesIn += r.bytesReceived || 0; out.bytesOut += r.bytesSent || 0;
          const pair = all.get(r.selectedCandidatePairId);
          if (pair) {
            const local = all.get(pair.localCandidateId), remote = all.get(pair.remoteCandidateId);
            out.pair = {local: {type: local.candidateType, address: local.address, port: local.port,
                                protocol: local.protocol},
                        remote: {type: remote.candidateType, address: remote.address, port: remote.port,
                                 protocol: remote.protocol}};
          }
        }
      });
      return out;
    }""")
    return result


def wait_for(page: Page, check: Callable[[dict[str, Any]], bool], what: str, timeout: float = 40) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    last: dict[str, Any] = {}
    while time.monotonic() < deadline:
        last = stats(page)
        if check(last):
            return last
        page.wait_for_timeout(250)
    raise AssertionError(f"{what}: not within {timeout} s; last stats {last}")


def expected_code(first: str, second: str) -> str:
    """The safety code as docs/adr/0021 defines it, computed independently of the page's script."""
    a, b = sorted([first, second])
    digest = hashlib.sha256(f"confide-safety-code-v1\n{a}\n{b}".encode()).digest()
    return " ".join(f"{int.from_bytes(digest[i * 5:i * 5 + 5], 'big') % 100000:05d}" for i in range(4))


def fingerprint_of(sdp: str) -> str:
    found = re.search(r"^a=fingerprint:(\S+) ([0-9A-Fa-f:]+)\s*$", sdp, re.MULTILINE)
    assert found, "no fingerprint in the description"
    return f"{found.group(1).lower()} {found.group(2).upper()}"


def answer_privacy_check(page: Page, *, client: bool, relay_only: bool) -> None:
    expect(page.get_by_role("heading", level=1)).to_contain_text("privacy check")
    page.get_by_role("group", name=re.compile("somewhere private")).get_by_label("Yes").check()
    page.get_by_role("group", name=re.compile("headphones")).get_by_label("Yes").check()
    if client:
        page.get_by_label("Someone else is in the room, or may come in").check()
        page.get_by_label("If someone else is there, who?").fill("my partner, in the kitchen")
        page.get_by_label("Where are you for this session?").select_option("US-NJ")
        page.get_by_label(re.compile("An emergency contact for this session")).fill(EMERGENCY_CONTACT)
    else:
        page.get_by_label("Nobody else is in the room").check()
    if relay_only:
        page.get_by_label(re.compile("Hide my network address")).check()
    page.get_by_role("button", name="Save and go to the session").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Video session")


@dataclass
class Session:
    clinician: Page
    client: Page
    clinician_context: BrowserContext
    client_context: BrowserContext
    room_url: str
    portal_sessions_url: str


def book_a_video_session(confide: Confide, new_context: NewContext, problems: BrowserProblems) -> Session:
    """alice (owner and clinician) registers a client, invites them and books a video session starting now."""
    alice_context = new_context()
    alice = alice_context.new_page()
    sign_in_with_password(alice, confide, "alice@example.test", OWNER_PASSWORD)
    alice.wait_for_url("**/account/security/")
    enrol_totp(alice, OWNER_PASSWORD)
    alice.goto(confide.at("/clients/new"))
    alice.get_by_label("Given name").fill(GIVEN)
    alice.get_by_label("Family name").fill(FAMILY)
    alice.get_by_label("Primary clinician").select_option(index=1)
    alice.get_by_role("button", name="Register client").click()
    alice.wait_for_url(re.compile(r"/clients/[0-9a-f-]{36}/$"))
    chart_url = alice.url
    alice.get_by_label("Invite the client to the portal (e-mail address)").fill(CLIENT_EMAIL)
    alice.get_by_role("button", name="Send portal invitation").click()
    link = re.findall(r"https?://\S+", mail_text(confide.mailbox.wait_for(CLIENT_EMAIL)))[0]

    client_context = new_context()
    client = client_context.new_page()
    client.goto(link)
    client.get_by_label("Your e-mail address").fill(CLIENT_EMAIL)
    client.get_by_label("Choose a password").fill(CLIENT_PASSWORD)
    client.get_by_label("Type the password again").fill(CLIENT_PASSWORD)
    client.get_by_role("button", name="Create my account").click()
    sign_consent(client, f"{GIVEN} {FAMILY}", problems)

    alice.goto(chart_url + "sessions/new")
    starts = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M")
    alice.get_by_label("Date and time").fill(starts)
    alice.get_by_label("Duration").fill("50")
    alice.get_by_label("Modality").select_option("video")
    alice.get_by_role("button", name="Book session").click()
    alice.goto(chart_url + "sessions/")
    alice.get_by_role("link", name=re.compile("^Video room")).first.click()
    alice.wait_for_url(re.compile(r"/sessions/[0-9a-f-]{36}/video/$"))
    room_url = alice.url
    return Session(alice, client, alice_context, client_context, room_url, confide.at("/portal/sessions/"))


def enter(session: Session, *, relay_only: bool, before_admitting: Callable[[], object] = lambda: None) -> None:
    """Both answer the privacy check; the client waits and the clinician lets them in."""
    answer_privacy_check(session.clinician, client=False, relay_only=relay_only)
    session.client.goto(session.portal_sessions_url)
    session.client.get_by_role("link", name=re.compile("Go to the session")).click()
    answer_privacy_check(session.client, client=True, relay_only=relay_only)
    expect(session.client.locator("#waiting-room")).to_be_visible()
    expect(session.client.locator("#room-status")).to_contain_text("waiting room")
    panel = session.clinician.locator("#waiting-panel")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text(EMERGENCY_CONTACT)
    expect(panel).to_contain_text("New Jersey")
    expect(panel).to_contain_text("911")
    expect(panel).to_contain_text("my partner, in the kitchen")
    expect(panel).to_contain_text("Duty to warn")
    before_admitting()
    session.clinician.get_by_role("button", name="Let the client in").click()
    expect(session.client.locator("#waiting-room")).to_be_hidden()


def both_connected(session: Session) -> None:
    for page in (session.clinician, session.client):
        expect(page.locator("#room-status")).to_have_text("Connected.", timeout=40_000)
    # Frames flow both ways: each side decodes video and receives audio, and keeps doing so.
    for page in (session.clinician, session.client):
        first = wait_for(page, lambda s: s["inVideoFrames"] > 10 and s["inAudioPackets"] > 10, "frames arrive")
        wait_for(page, lambda s, n=first["inVideoFrames"]: s["inVideoFrames"] > n + 10, "frames keep arriving")


def axe_problems(page: Page, label: str) -> list[str]:
    """Serious or critical axe-core violations of the page as it is now."""
    result: dict[str, Any] = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [f"{label}: {v['impact']} {v['id']}: {v['help']}" for v in result["violations"]
            if v["impact"] in BLOCKING]


def codes(session: Session) -> tuple[str, str]:
    for page in (session.clinician, session.client):
        expect(page.locator("#safety-code")).to_have_text(re.compile(r"^\d{5} \d{5} \d{5} \d{5}$"), timeout=20_000)
    return (session.clinician.locator("#safety-code").inner_text(), session.client.locator("#safety-code").inner_text())


# ----------------------------------------------------------------------------- the tests


def test_a_video_session_from_the_privacy_check_to_a_matching_safety_code(
        confide: Confide, new_context: NewContext, problems: BrowserProblems) -> None:
    session = book_a_video_session(confide, new_context, problems)
    for context in (session.clinician_context, session.client_context):
        context.add_init_script(path=str(AXE))
    session.clinician.reload()
    violations = axe_problems(session.clinician, "the clinician's privacy check")
    traffic = Traffic(confide.server.port)
    traffic.watch(session.clinician_context)
    traffic.watch(session.client_context)
    responses: dict[str, str] = {}
    session.clinician.on("response", lambda r: responses.update({r.url: r.headers.get("permissions-policy", "")})
                         if r.request.resource_type == "document" else None)
    enter(session, relay_only=False, before_admitting=lambda: violations.extend(
        axe_problems(session.clinician, "the clinician's room, client waiting")
        + axe_problems(session.client, "the waiting room")))
    both_connected(session)
    violations += axe_problems(session.clinician, "the clinician's room, connected")
    violations += axe_problems(session.client, "the client's room, connected")
    session.client.goto(session.portal_sessions_url)
    violations += axe_problems(session.client, "the client's video sessions")
    session.client.go_back()
    assert not violations, "\n".join(violations)
    both_connected(session)

    # The safety codes match, are computed from the certificates the connection uses, and are the
    # code of the two fingerprints in the descriptions (computed here independently).
    clinician_code, client_code = codes(session)
    assert clinician_code == client_code
    for page in (session.clinician, session.client):
        expect(page.locator("#safety-code")).to_have_attribute("data-source", "connection")
    local_sdp = session.clinician.evaluate("() => window.confideRoom.pc.localDescription.sdp")
    remote_sdp = session.clinician.evaluate("() => window.confideRoom.pc.remoteDescription.sdp")
    assert clinician_code == expected_code(fingerprint_of(local_sdp), fingerprint_of(remote_sdp))

    # No media through Confide: the media path is between the two browsers (host candidates, never
    # Confide's port), and the browsers sent Confide only small JSON while the media ran to megabytes.
    uploaded_before = traffic.uploaded()
    flowing = wait_for(session.client, lambda s: s["bytesIn"] > 1_000_000, "a megabyte of media", timeout=60)
    # The remote end is the other browser: a host candidate (or the same address learnt from its
    # checks, "prflx"), over UDP, never Confide's port.
    pair = flowing["pair"]
    assert pair["local"]["type"] == "host" and pair["remote"]["type"] in ("host", "prflx"), pair
    assert pair["remote"]["protocol"] == "udp" and pair["remote"]["port"] != confide.server.port, pair
    sent_while_flowing = traffic.uploaded() - uploaded_before
    assert sent_while_flowing < 50_000, sent_while_flowing
    signal_posts = [(size, kind) for method, url, size, kind in traffic.requests if url.endswith("/signal")]
    assert signal_posts and all(kind.startswith("application/json") and size <= 20_000 for size, kind in signal_posts)
    assert all(url.startswith(("http://127.0.0.1:", "data:")) for _, url, _, _ in traffic.requests)

    # The room page alone may use the camera and microphone.
    room_policy = next(policy for url, policy in responses.items() if url.endswith("/video/"))
    assert "camera=(self)" in room_policy and "microphone=(self)" in room_policy

    # Audio only: the clinician stops sending video; the client's video stops while audio goes on.
    session.clinician.get_by_role("button", name="Audio only").click()
    expect(session.clinician.get_by_role("button", name="Turn the camera back on")).to_have_attribute(
        "aria-pressed", "true")
    session.client.wait_for_timeout(1500)
    before = stats(session.client)
    session.client.wait_for_timeout(2000)
    after = stats(session.client)
    assert after["inVideoFrames"] - before["inVideoFrames"] <= 2
    assert after["inAudioPackets"] > before["inAudioPackets"] + 20
    session.clinician.get_by_role("button", name="Turn the camera back on").click()
    wait_for(session.client, lambda s, n=after["inVideoFrames"]: s["inVideoFrames"] > n + 10, "video back")
    expect(session.clinician.locator("#quality")).to_contain_text(re.compile(r"Connection quality: (good|fair|poor)"))

    # Leaving and rejoining: the clinician is told, the client comes straight back (no second
    # admission) and the new connection has new keys, so a new (matching) code.
    session.client.get_by_role("button", name="Leave").click()
    expect(session.client.locator("#room-status")).to_contain_text("You left")
    expect(session.clinician.locator("#room-status")).to_contain_text("Waiting for the client")
    session.client.get_by_role("button", name="Rejoin").click()
    both_connected(session)
    again = codes(session)
    assert again[0] == again[1]

    # The client's history shows the joins, the leave and the admission, never any media.
    session.client.goto(confide.at("/portal/access/?own=1"))  # with the client's own steps
    history = session.client.locator("main")
    for said in ("joined your video session", "left your video session",
                 "let you in from the waiting room of your video session",
                 "answered the privacy check before your video session"):
        expect(history).to_contain_text(said)

    problems.assert_none()

    # Any other page is refused the camera and microphone by the browser itself, which says so.
    for page, path in ((session.client, "/portal/access/"), (session.clinician, "/clients/")):
        page.goto(confide.at(path))
        refused = page.evaluate("""() => navigator.mediaDevices.getUserMedia({audio: true, video: true})
            .then((stream) => { stream.getTracks().forEach((t) => t.stop()); return "allowed"; },
                  (error) => error.name)""")
        assert refused == "NotAllowedError", (path, refused)
    violations = sorted(problems.problems)
    assert violations == sorted(f"{confide.at(path)}: console error: Permissions policy violation: {device} is not "
                                "allowed in this document." for path in ("/portal/access/", "/clients/")
                                for device in ("camera", "microphone")), violations


def test_a_swapped_fingerprint_shows_as_different_codes_and_a_relay_session_goes_through_coturn(
        confide: Confide, new_context: NewContext, problems: BrowserProblems) -> None:
    session = book_a_video_session(confide, new_context, problems)
    swapped: list[str] = []

    def swap_fingerprint(route: Route) -> None:
        body = json.loads(route.request.post_data or "{}")
        if body.get("action") == "send" and body.get("kind") == "answer":
            sdp = body["data"]["sdp"]
            fake = ":".join(f"{b:02X}" for b in hashlib.sha256(b"an attacker's certificate").digest())
            body["data"]["sdp"] = re.sub(r"(a=fingerprint:sha-256 )[0-9A-F:]+", rf"\g<1>{fake}", sdp)
            swapped.append(fake)
            route.continue_(post_data=json.dumps(body))
            return
        route.continue_()

    # A tampered signalling path: what the client's browser sends is changed on its way.
    session.client_context.route(re.compile(r".*/portal/sessions/[0-9a-f-]{36}/signal$"), swap_fingerprint)
    enter(session, relay_only=True)
    clinician_code, client_code = codes(session)
    assert swapped, "the answer was not intercepted"
    assert clinician_code != client_code
    # The browser itself refuses a DTLS peer whose certificate does not match: no connection.
    expect(session.clinician.locator("#room-status")).not_to_have_text("Connected.")

    # Without the tampering (the client rejoins), the relay-only session connects through coturn.
    session.client_context.unroute(re.compile(r".*/portal/sessions/[0-9a-f-]{36}/signal$"))
    session.client.get_by_role("button", name="Leave").click()
    expect(session.client.locator("#room-status")).to_contain_text("You left")
    session.client.get_by_role("button", name="Rejoin").click()
    both_connected(session)
    clinician_code, client_code = codes(session)
    assert clinician_code == client_code
    relayed = stats(session.client)
    assert relayed["pair"]["local"]["type"] == "relay", relayed
    turn_port = int(re.search(r"turn:127\.0\.0\.1:(\d+)", json.dumps(session.client.evaluate(
        "() => JSON.parse(document.getElementById('room-config').textContent).iceServers")))[1])  # type: ignore[index]
    assert turn_port != confide.server.port
    expect(session.client.locator("#quality")).to_contain_text("through the relay")
    problems.assert_none()
