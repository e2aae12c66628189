"""Every form of every face says what it needs: a field labelled optional, left empty, gets no error.

The walk opens every page of the authorization matrix (tests/security/matrix.py) that each
persona may reach, with the real records of `build_world`, plus allauth's sign-in pages for a
visitor, and posts every form it finds twice: once empty (hidden fields only) and once with every
field that is *not* labelled optional filled with a plausible value. After each post, no field
whose label says "optional" may carry an error, and no error message may name such a field, since
that would be the form refusing what its label promised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.test import Client as HttpClient

from tests.security import matrix
from tests.security.test_authorization_matrix import fill, web_patterns
from tests.security.world import World, build_world

OPTIONAL = "optional"
# Forms whose posting ends the persona's session or signs someone out; walked last or not at all.
SESSION_ENDING = ("sign-out", "logout", "/join/", "/invite/")
# Extra pages a visitor sees (allauth), besides the matrix's own routes.
VISITOR_PAGES = ("/accounts/login/", "/accounts/password/reset/")


@dataclass
class Field:
    name: str
    kind: str  # input type, "select" or "textarea"
    label: str = ""
    optional: bool = False
    options: list[str] = field(default_factory=list)
    value: str = ""
    id: str = ""


@dataclass
class Form:
    action: str
    method: str
    fields: list[Field] = field(default_factory=list)
    hidden: dict[str, str] = field(default_factory=dict)


class _Forms(HTMLParser):
    """The forms of a page with their fields and the text of each field's label."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.labels: dict[str, str] = {}  # id -> label text
        self._label_for: str | None = None
        self._label_text: list[str] = []
        self._label_wraps: list[Field] = []
        self._select: Field | None = None
        self._in_label = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        form = self.forms[-1] if self.forms else None
        if tag == "form":
            self.forms.append(Form(action=a.get("action", ""), method=a.get("method", "get").lower()))
        elif tag == "label":
            self._in_label, self._label_for, self._label_text, self._label_wraps = True, a.get("for"), [], []
        elif tag in ("input", "textarea", "select") and form is not None and a.get("name"):
            kind = a.get("type", "text").lower() if tag == "input" else tag
            if kind == "hidden":
                form.hidden[a["name"]] = a.get("value", "")
                return
            if kind in ("submit", "button", "file"):
                return
            one = Field(name=a["name"], kind=kind, value=a.get("value", ""), id=a.get("id", ""))
            form.fields.append(one)
            if self._in_label:
                self._label_wraps.append(one)
            if tag == "select":
                self._select = one
        elif tag == "option" and self._select is not None and a.get("value"):
            self._select.options.append(a["value"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "label" and self._in_label:
            text = " ".join("".join(self._label_text).split())
            if self._label_for:
                self.labels[self._label_for] = text
            for one in self._label_wraps:
                one.label = text
            self._in_label = False
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._in_label:
            self._label_text.append(data)

    def result(self) -> list[Form]:
        for form in self.forms:
            for one in form.fields:
                one.label = one.label or self.labels.get(one.id, "")
                one.optional = bool(re.search(r"\boptional\b", one.label, re.I))
        return self.forms


def forms_of(html: str) -> list[Form]:
    parser = _Forms()
    parser.feed(html)
    return parser.result()


def plausible(one: Field) -> str | None:
    """A value a person could type into a field they were told is needed (None: leave it unchecked)."""
    if one.kind in ("checkbox", "radio"):
        return one.value or "on"
    if one.kind == "select":
        return one.options[0] if one.options else ""
    if one.kind == "date":
        return "2026-11-20"
    if one.kind == "datetime-local":
        return "2026-11-20T10:00"
    if one.kind == "number":
        return "7"
    if one.kind == "email":
        return "fictional.person@example.test"
    if one.kind == "password":
        return "saffron kettle glacier whistle"
    return "Fictional"


def body_for(form: Form, *, filled: bool) -> dict[str, list[str]]:
    body: dict[str, list[str]] = {name: [value] for name, value in form.hidden.items()}
    if not filled:
        return body
    for one in form.fields:
        if one.optional or (one.name in body and one.kind not in ("checkbox",)):
            continue
        value = plausible(one)
        if value is not None:
            body.setdefault(one.name, []).append(value)
    return body


class _Errors(HTMLParser):
    """Error messages of a page, with the label of the field each sits under (when it sits under one)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.field_stack: list[dict[str, object]] = []
        self._in_error = 0
        self._in_label = False
        self.errors: list[tuple[str, str]] = []  # (label of the field, message)
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "div" and "field" in classes:
            self.field_stack.append({"label": "", "depth": 0})
        if self.field_stack and tag == "div":
            self.field_stack[-1]["depth"] = int(str(self.field_stack[-1]["depth"])) + 1
        if tag == "label":
            self._in_label = True
        if "error" in classes or "form-errors" in classes or "errorlist" in classes:
            self._in_error += 1
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._in_label = False
        if tag in ("p", "div", "ul", "li") and self._in_error:
            message = " ".join("".join(self._text).split())
            if message:
                label = str(self.field_stack[-1]["label"]) if self.field_stack else ""
                self.errors.append((label, message))
            self._text = []
            if tag in ("p", "div", "ul"):
                self._in_error -= 1
        if tag == "div" and self.field_stack:
            self.field_stack[-1]["depth"] = int(str(self.field_stack[-1]["depth"])) - 1
            if int(str(self.field_stack[-1]["depth"])) == 0:
                self.field_stack.pop()

    def handle_data(self, data: str) -> None:
        if self._in_label and self.field_stack:
            self.field_stack[-1]["label"] = str(self.field_stack[-1]["label"]) + data
        if self._in_error:
            self._text.append(data)


def refusals_of_optional_fields(html: str, optional_labels: set[str]) -> list[str]:
    parser = _Errors()
    parser.feed(html)
    found = []
    for label, message in parser.errors:
        label = " ".join(label.split())
        if re.search(r"\boptional\b", label, re.I):
            found.append(f"{label!r} is labelled optional but got the error {message!r}")
            continue
        for name in optional_labels:
            if name and name.lower() in message.lower():
                found.append(f"the error {message!r} names {name!r}, which is labelled optional")
    return found


def bare(label: str) -> str:
    """A label without its "(optional)" mark: the words an error message would use."""
    return re.sub(r"\(\s*optional\s*\)", "", label, flags=re.I).strip(" :")


def pages_for(world: World, persona: str) -> list[str]:
    pages = []
    for pattern in web_patterns():
        route = matrix.web_route(pattern)
        if route is None or route.method != "GET" or route.ends_session or pattern.startswith("accounts/"):
            continue
        if matrix.OK not in route.policy.expected(persona) or pattern.endswith((".pdf", ".csv", "healthz", "metrics")):
            continue
        if "/attachments/" in pattern or "/record/copies/" in pattern:
            continue  # a message attachment or a copy of the record opens as a download, not a page
        if pattern.startswith("session/"):
            continue
        pages.append(fill("/" + pattern, world.ours.ids_for(pattern)))
    if persona == "anonymous":
        pages += VISITOR_PAGES
    else:
        pages += ["/accounts/password/change/", "/accounts/email/"]
    return pages


def walk(world: World, persona: str) -> tuple[list[str], int]:
    http: HttpClient = world.browser(persona)
    problems: list[str] = []
    posted = 0
    for page in pages_for(world, persona):
        response = http.get(page)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        for form in forms_of(response.content.decode()):
            if form.method != "post" or not form.fields:
                continue
            action = form.action or page
            if any(word in action for word in SESSION_ENDING):
                continue
            optional = {bare(f.label) for f in form.fields if f.optional}
            for filled in (False, True):
                answer = http.post(action, body_for(form, filled=filled))
                posted += 1
                if answer.status_code >= 500:
                    problems.append(f"{persona}: {page} -> POST {action} answered {answer.status_code}")
                    continue
                if answer.status_code in (200, 400, 422) and "text/html" in answer.get("Content-Type", ""):
                    for problem in refusals_of_optional_fields(answer.content.decode(), optional):
                        how = "filled" if filled else "empty"
                        problems.append(f"{persona}: {page} -> POST {action} ({how}): {problem}")
    return problems, posted


@pytest.fixture
def world(db: None) -> World:
    return build_world()


PERSONAS = ("anonymous", "owner", "clinician_on_team", "supervisor_granted", "front_desk", "emergency_holder",
            "client")


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_field_labelled_optional_is_refused(world: World, persona: str) -> None:
    problems, posted = walk(world, persona)
    assert posted, f"{persona}: the walk posted no form at all, so it checked nothing"
    assert not problems, "\n".join(dict.fromkeys(problems))


def test_the_walk_sees_a_refused_optional_field() -> None:
    """The checker bites: an error under an optional label, or naming one, is reported."""
    page = ('<form method="post"><div class="field"><label for="id_a">When (optional)</label>'
            '<input id="id_a" name="a"><p class="error">This is required.</p></div></form>')
    assert refusals_of_optional_fields(page, {"When"})
    named = '<div class="form-errors" role="alert"><p>When is required.</p></div>'
    assert refusals_of_optional_fields(named, {"When"})
    fine = ('<div class="field"><label for="id_a">When</label><input id="id_a" name="a">'
            '<p class="error">When is required.</p></div>')
    assert not refusals_of_optional_fields(fine, set())
    [form] = forms_of('<form method="post" action="/x"><input type="hidden" name="t" value="1">'
                      '<label for="id_b">Note (optional)</label><textarea id="id_b" name="b"></textarea>'
                      '<label for="id_c">Name</label><input id="id_c" name="c"></form>')
    assert [f.optional for f in form.fields] == [True, False]
    assert body_for(form, filled=True) == {"t": ["1"], "c": ["Fictional"]}
