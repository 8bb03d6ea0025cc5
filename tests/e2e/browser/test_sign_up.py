"""The sign-up form a newcomer meets, in headless Chromium against the local stack: what
it suggests (the link from the name, the timezone from the browser) and what it says when
something is wrong.
"""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.browser.conftest import NewContext
from tests.e2e.browser.test_dashboard import PASSWORD, open_dashboard, sign_up_in_browser, view
from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e


def sign_up_form(page: Page, stack: LocalStack) -> Locator:
    """The sign-up view, reached from the login view's link as a newcomer does."""
    expect(page).to_have_url(f"{stack.api_url}/app/login")
    page.get_by_role("link", name="Create an account").click()
    expect(page).to_have_url(f"{stack.api_url}/app/signup")
    return view(page, "signup")


def test_a_second_sign_up_in_the_same_tab_suggests_the_link_and_detects_the_zone_again(
        stack: LocalStack, new_context: NewContext) -> None:
    # GIVEN a first sign-up in this tab whose link the visitor typed themselves
    page = open_dashboard(new_context(timezone_id="Asia/Kolkata"), stack)
    signup = sign_up_form(page, stack)
    first = f"own-{secrets.token_hex(4)}"
    signup.get_by_label("Your name").fill("Asha Rao")
    signup.get_by_label("Email").fill(f"{first}@example.com")
    signup.get_by_label("Password").fill(PASSWORD)
    signup.get_by_label("Your link").fill(first)
    signup.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(f"{stack.api_url}/app/welcome")
    page.get_by_role("button", name="Log out").click()

    # WHEN someone else signs up in the same tab
    signup = sign_up_form(page, stack)
    signup.get_by_label("Your name").fill("Ravi Kumar")

    # THEN the form suggests as it did the first time: the link from the name, the zone
    # from the browser
    expect(signup.get_by_label("Your link")).to_have_value("ravi-kumar")
    expect(signup.get_by_label("Timezone")).to_have_value("Asia/Kolkata")


def test_a_newcomer_who_types_the_signup_address_gets_the_sign_up_form(
        stack: LocalStack, new_context: NewContext) -> None:
    page = new_context().new_page()

    page.goto(f"{stack.api_url}/signup")

    expect(page).to_have_url(f"{stack.api_url}/app/signup")
    expect(page.get_by_role("heading", name="Create your booking page")).to_be_visible()


def test_an_e_mail_or_a_link_already_taken_is_said_in_the_forms_words(
        stack: LocalStack, new_context: NewContext) -> None:
    # GIVEN someone who has an account already
    taken, _ = sign_up_in_browser(new_context(), stack)
    page = open_dashboard(new_context(), stack)
    signup = sign_up_form(page, stack)
    signup.get_by_label("Your name").fill("Lea Park")
    signup.get_by_label("Password").fill(PASSWORD)

    # WHEN a newcomer signs up with that e-mail
    signup.get_by_label("Email").fill(f"{taken}@example.com")
    signup.get_by_role("button", name="Create account").click()

    # THEN the e-mail field says so, and what to do, in words of the form (not "slug")
    email = signup.get_by_label("Email")
    expect(email).to_be_focused()
    expect(email).to_have_accessible_description(re.compile(
        "An account already uses this e-mail. Log in to it, or use another e-mail."))

    # WHEN their link is someone else's, or a word Penny keeps for itself
    email.fill(f"lea-{secrets.token_hex(4)}@example.com")
    for slug in (taken, "admin"):
        signup.get_by_label("Your link").fill(slug)
        signup.get_by_role("button", name="Create account").click()

        # THEN the link field says so
        link = signup.get_by_label("Your link")
        expect(link).to_be_focused()
        expect(link).to_have_accessible_description(re.compile(
            f"The link {slug} is taken: choose another."))


@pytest.mark.parametrize(("name", "link"), [("Jürgen Groß", "jurgen-gross"),
                                            ("Łucja Øvergaard", "lucja-overgaard"),
                                            ("Đorđe Þórsson", "dorde-thorsson"),
                                            ("Олена Петренко", "olena-petrenko"),
                                            ("Юрий Щукин", "yurii-shchukin"),
                                            ("Γιώργος Παπαδόπουλος", "giorgos-papadopoulos")])
def test_the_link_suggested_from_a_name_keeps_letters_that_have_no_accent_to_drop(
        stack: LocalStack, new_context: NewContext, name: str, link: str) -> None:
    page = open_dashboard(new_context(), stack, "/app/signup")
    signup = view(page, "signup")

    signup.get_by_label("Your name").fill(name)

    expect(signup.get_by_label("Your link")).to_have_value(link)


def test_a_password_of_spaces_alone_is_refused_on_the_password_field(
        stack: LocalStack, new_context: NewContext) -> None:
    # GIVEN a newcomer who filled the form with ten spaces for a password
    page = open_dashboard(new_context(), stack, "/app/signup")
    signup = view(page, "signup")
    signup.get_by_label("Your name").fill("Noa Levi")
    signup.get_by_label("Email").fill(f"noa-{secrets.token_hex(4)}@example.com")
    signup.get_by_label("Password").fill(" " * 10)

    # WHEN they create the account
    signup.get_by_role("button", name="Create account").click()

    # THEN the password field says why, and no account is made
    password = signup.get_by_label("Password")
    expect(password).to_be_focused()
    expect(password).to_have_accessible_description(re.compile(
        "Password must have something besides spaces"))
    expect(page).to_have_url(f"{stack.api_url}/app/signup")


def test_a_name_in_a_script_with_no_latin_spelling_takes_the_link_from_the_e_mail(
        stack: LocalStack, new_context: NewContext) -> None:
    page = open_dashboard(new_context(), stack, "/app/signup")
    signup = view(page, "signup")
    link = signup.get_by_label("Your link")

    # WHEN the name gives no letters a link can use
    signup.get_by_label("Your name").fill("山田 太郎")

    # THEN the link is left empty, and its hint says so and what to do
    expect(link).to_have_value("")
    expect(link).to_have_accessible_description(re.compile(
        "Your name gives no link: type one"))

    # WHEN the e-mail comes
    signup.get_by_label("Email").fill("taro.yamada@example.com")

    # THEN the link is made from the e-mail's name, and the hint says where it came from
    expect(link).to_have_value("taro-yamada")
    expect(link).to_have_accessible_description(re.compile("Made from your e-mail"))


def test_a_name_and_an_e_mail_that_give_no_link_leave_the_field_to_fill(
        stack: LocalStack, new_context: NewContext) -> None:
    # GIVEN a name and an e-mail with no letter a link can use
    page = open_dashboard(new_context(), stack, "/app/signup")
    signup = view(page, "signup")
    signup.get_by_label("Your name").fill("محمد")
    signup.get_by_label("Email").fill("+@example.com")
    signup.get_by_label("Password").fill(PASSWORD)

    # WHEN the newcomer creates the account without typing a link
    signup.get_by_role("button", name="Create account").click()

    # THEN no link was suggested, and the link field asks for one
    link = signup.get_by_label("Your link")
    expect(link).to_have_value("")
    expect(link).to_be_focused()
    expect(link).to_have_accessible_description(re.compile("Your name gives no link: type one"))
    expect(page).to_have_url(f"{stack.api_url}/app/signup")
