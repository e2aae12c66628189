"""The tour's browser half: sign in as each demo person and screenshot every page they can reach.

Pages are found the way a person finds them: by following the same-site links each person sees,
starting from their home page (breadth first, at most --limit pages each). Nothing is posted
except the sign-in form, so the tour changes nothing but the access history it leaves.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from playwright.sync_api import Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
WIDTHS = {"1280": {"width": 1280, "height": 900}, "390": {"width": 390, "height": 844}}
# Links that act, download or leave: never followed.
SKIP = re.compile(r"(logout|sign-out|\.(pdf|csv|json)$|/record/copies/|/documents/[0-9a-f-]{36}$|/api/|/join/|/invite/"
                  r"|/release/|/accounts/2fa/"
                  r"(totp/deactivate|recovery-codes/generate|webauthn/remove))")
PERSON = re.compile(r"^\s+(\w+)\s+(\S+@\S+)\s+password: (\S+)\s*$")


def people_of(log: Path) -> list[tuple[str, str, str]]:
    return [m.groups() for line in log.read_text().splitlines() if (m := PERSON.match(line))]  # type: ignore[misc]


def slug(path: str) -> str:
    path = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "id", path)
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"


def links_of(page: Page, base: str) -> list[str]:
    hrefs: list[str] = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    found = []
    for href in hrefs:
        url = urljoin(page.url, href).split("#")[0]
        if url.startswith(base) and not SKIP.search(urlsplit(url).path):
            found.append(url)
    return found


def shoot(page: Page, url: str, folder: Path, taken: set[str]) -> None:
    name = base_name = slug(urlsplit(url).path + ("-" + urlsplit(url).query if urlsplit(url).query else ""))
    count = 1
    while name in taken:  # another client's chart, say: chart-2, chart-3
        count += 1
        name = f"{base_name}-{count}"
    taken.add(name)
    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        page.goto(url)
        page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)


def tour(base: str, people: list[tuple[str, str, str]], out: Path, limit: int) -> int:
    total = 0
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
        for role, email, password in [("visitor", "", ""), *people]:
            folder = out / role
            folder.mkdir(parents=True, exist_ok=True)
            context = browser.new_context(viewport=WIDTHS["1280"], locale="en-US")
            page = context.new_page()
            start = base + "/"
            if email:
                page.goto(base + "/accounts/login/")
                page.locator("input[name=login]").fill(email)
                page.locator("input[name=password]").fill(password)
                page.locator("input[name=password]").press("Enter")
                page.wait_for_load_state("networkidle")
            else:
                start = base + "/accounts/login/"
            queue, seen, taken = [start], set(), set()
            if not email:
                queue += [base + "/accounts/password/reset/", base + "/no-such-page/"]
            while queue and len(seen) < limit:
                url = queue.pop(0)
                if url in seen:
                    continue
                seen.add(url)
                try:
                    shoot(page, url, folder, taken)
                except Exception as exc:
                    sys.stderr.write(f"tour: {role}: {url}: {exc}\n")
                    continue
                queue += [link for link in links_of(page, base) if link not in seen]
            sys.stdout.write(f"{role:<11} {len(seen):>3} pages -> {folder}\n")
            total += len(seen)
            context.close()
        browser.close()
    sys.stdout.write(f"{total} pages, {total * len(WIDTHS)} screenshots in {out}\n")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", required=True)
    parser.add_argument("--people", required=True, type=Path, help="the demo's printed list of people")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--limit", type=int, default=80, help="pages per person at most")
    args = parser.parse_args()
    people = people_of(args.people)
    if not people:
        sys.stderr.write("tour: the demo printed no people to sign in as\n")
        return 1
    return tour(args.base.rstrip("/"), people, args.out, args.limit)


if __name__ == "__main__":
    sys.exit(main())
