"""Nobody takes over an e-mail invitation by setting their own address (issue 22).

Private registries invite people by e-mail address, so a user who could set
their address to an invited one at once would read the registry. WordPress's
profile screen confirms a new address by mail first; the mu-plugin refuses
every other change in a REST or XML-RPC request by anyone without
`edit_users`, where the user is written. Each attack below is one way a request
reaches that write: WordPress matches REST routes in any letter case, takes
`rest_route=`, method overrides and batches, and plugins add routes and XML-RPC
methods of their own. After each, the administrator reads the address back.

Every test changes a user of its own (`make_user`), never the shared accounts.
"""

import json
import re
import secrets
import subprocess
import xmlrpc.client
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.real_wordpress import Account, WordPressSite, force_delete_registries, wordpress_api

REFUSED = (403, "rest_cannot_edit_email")

# id -> (method, path, query, headers, where the new address goes: json, form or query); {id} is the user's
REST_ATTACKS = {
    "Users/me": ("PUT", "/wp-json/wp/v2/Users/me", {}, {}, "json"),
    "users/ME": ("PUT", "/wp-json/wp/v2/users/ME", {}, {}, "json"),
    "WP/V2/users/me": ("PUT", "/wp-json/WP/V2/users/me", {}, {}, "json"),
    "rest_route=/wp/v2/USERS/me": ("PUT", "/", {"rest_route": "/wp/v2/USERS/me"}, {}, "json"),
    "users/me/": ("POST", "/wp-json/wp/v2/users/me/", {}, {}, "json"),
    "users/{id}": ("PATCH", "/wp-json/wp/v2/users/{id}", {}, {}, "json"),
    "USERS/0{id}/": ("PUT", "/wp-json/wp/v2/USERS/0{id}/", {}, {}, "json"),
    "_method=PUT": ("POST", "/wp-json/wp/v2/Users/me", {"_method": "PUT"}, {}, "json"),
    "rest_route, _method=patch": ("POST", "/", {"rest_route": "/wp/v2/Users/Me", "_method": "patch"}, {}, "form"),
    "X-HTTP-Method-Override": ("POST", "/wp-json/wp/v2/users/ME", {}, {"X-HTTP-Method-Override": "PUT"}, "json"),
    "GET, _method=POST": ("GET", "/wp-json/wp/v2/Users/me", {"_method": "POST"}, {}, "query"),
    "form body": ("POST", "/wp-json/wp/v2/Users/me", {}, {}, "form"),
    "query string": ("POST", "/wp-json/wp/v2/users/me", {}, {}, "query"),
}

# A plugin that writes the caller's e-mail itself, on a REST route and in an XML-RPC method of its
# own: the mu-plugin must refuse there too. Closures and an anonymous class only, so that two copies
# (concurrent test runs) never redeclare a name.
EMAIL_WRITER = r"""<?php
// A test double from tests/wordpress/test_email_changes.py, removed when the test ends.
add_action( 'rest_api_init', function () {
	register_rest_route( 'restart-registry-test/v1', '/email', array(
		'methods'             => 'POST',
		'permission_callback' => 'is_user_logged_in',
		'callback'            => function ( $request ) {
			$result = wp_update_user( array( 'ID' => get_current_user_id(), 'user_email' => $request['email'] ) );
			return is_wp_error( $result ) ? $result : array( 'updated' => $result );
		},
	) );
} );
add_filter( 'xmlrpc_methods', function ( $methods ) {
	$methods['restartRegistryTest.setEmail'] = array( new class {
		public function set_email( $args ) {
			global $wp_xmlrpc_server;
			$user = $wp_xmlrpc_server->login( $args[0], $args[1] );
			if ( ! $user ) {
				return $wp_xmlrpc_server->error;
			}
			$result = wp_update_user( array( 'ID' => $user->ID, 'user_email' => $args[2] ) );
			return is_wp_error( $result ) ? new IXR_Error( 403, $result->get_error_message() ) : true;
		}
	}, 'set_email' );
	return $methods;
} );
"""


def new_address() -> str:
    return f"newguest-{secrets.token_hex(4)}@example.test"


def rest(site: WordPressSite, account: Account, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """A request to the site as `account`; `path` from the site's root (/wp-json/..., /?rest_route=...)."""
    return httpx.request(method, site.url + path, auth=(account.login, account.app_password), timeout=30, **kwargs)


def refusal(response: httpx.Response) -> tuple[int, str | None]:
    return response.status_code, response.json().get("code")


def call_xmlrpc(site: WordPressSite, method: str, *params: Any) -> Any:
    """The method's result; raises xmlrpc.client.Fault for a fault."""
    response = httpx.post(
        f"{site.url}/xmlrpc.php",
        content=xmlrpc.client.dumps(params, method),
        headers={"Content-Type": "text/xml"},
        timeout=30,
    )
    assert response.status_code == 200, response.text[:500]
    return xmlrpc.client.loads(response.content)[0][0]


@pytest.fixture
def email_writer(site) -> Iterator[None]:
    """The EMAIL_WRITER plugin, loaded by the site as a must-use plugin while the test runs."""
    plugin = Path(site.state_dir) / "docroot" / "wp-content" / "mu-plugins" / f"rr-test-{secrets.token_hex(4)}.php"
    plugin.write_text(EMAIL_WRITER)
    try:
        yield
    finally:
        plugin.unlink()


# --- REST -----------------------------------------------------------------------------------


@pytest.mark.parametrize("attack", REST_ATTACKS)
def test_a_user_cannot_change_their_e_mail_through_any_spelling_of_the_rest_route(site, make_user, read_email, attack):
    guest = make_user()
    method, path, query, headers, carrier = REST_ATTACKS[attack]
    address = new_address()
    body: dict[str, Any] = {"json": {"json": {"email": address}}, "form": {"data": {"email": address}}}
    if carrier == "query":
        query = {**query, "email": address}

    response = rest(
        site, guest, method, path.format(id=guest.id), params=query, headers=headers, **body.get(carrier, {})
    )

    assert refusal(response) == REFUSED, response.text[:500]
    assert "profile screen" in response.json()["message"]
    assert read_email(guest) == guest.email


@pytest.mark.parametrize("entry", ["/wp-json/batch/v1", "/?rest_route=/BATCH/v1"])
def test_a_user_cannot_change_their_e_mail_in_a_batch(site, make_user, read_email, entry):
    guest = make_user()
    paths = ["/wp/v2/users/me", "/wp/v2/Users/ME", f"/wp/v2/USERS/{guest.id}"]
    requests = [{"method": method, "path": path, "body": {"email": new_address()}}
                for path in paths for method in ("PUT", "POST")]  # fmt: skip

    response = rest(site, guest, "POST", entry, json={"requests": requests})

    # WordPress 6.1 refuses to batch the users routes itself; whatever refuses, nothing changes.

    assert response.status_code in (200, 207), response.text[:500]
    answers = response.json()["responses"]
    assert len(answers) == len(requests)
    assert all(answer["status"] >= 400 for answer in answers), answers
    assert read_email(guest) == guest.email


def test_a_user_cannot_change_their_e_mail_through_a_plugins_own_route(site, make_user, read_email, email_writer):
    guest, administrator = make_user(), make_user("administrator")
    for path in ("/wp-json/restart-registry-test/v1/email", "/?rest_route=/Restart-Registry-Test/v1/EMAIL"):
        response = rest(site, guest, "POST", path, json={"email": new_address()})
        assert refusal(response) == REFUSED, response.text[:500]
    assert read_email(guest) == guest.email

    # The route does write the address: an administrator's own change goes through it.
    address = new_address()
    response = rest(site, administrator, "POST", "/wp-json/restart-registry-test/v1/email", json={"email": address})
    assert response.status_code == 200, response.text[:500]
    assert read_email(administrator) == address


def test_the_rest_api_still_takes_a_users_other_fields_and_their_own_address_in_any_case(site, make_user, read_email):
    guest = make_user()
    response = rest(site, guest, "PUT", "/wp-json/wp/v2/Users/me",
                    json={"email": guest.email.upper(), "first_name": "Gwen"})  # fmt: skip
    assert response.status_code == 200, response.text[:500]
    assert read_email(guest).casefold() == guest.email.casefold()
    assert wordpress_api(site, guest, "GET", "/wp/v2/users/me", params={"context": "edit"}).json()["first_name"] == (
        "Gwen"
    )


def test_administrators_change_anyones_e_mail_through_rest(site, make_user, read_email):
    guest, administrator = make_user(), make_user("administrator")
    for path in (f"/wp-json/wp/v2/users/{guest.id}", f"/wp-json/wp/v2/Users/{guest.id}"):
        address = new_address()
        response = rest(site, site.admin, "POST", path, json={"email": address})
        assert response.status_code == 200, response.text[:500]
        assert read_email(guest) == address

    address = new_address()  # their own, too
    response = rest(site, administrator, "PUT", "/wp-json/wp/v2/users/me", json={"email": address})
    assert response.status_code == 200, response.text[:500]
    assert read_email(administrator) == address


def test_a_refused_change_opens_no_private_registry_that_invites_the_address(site, make_user, read_email):
    guest = make_user()
    address = new_address()
    response = wordpress_api(site, site.alice, "POST", "/wp/v2/restart-registry", json={
        "title": "Invites by e-mail", "status": "private", "meta": {"restart_invitees": json.dumps([address])},
    })  # fmt: skip
    assert response.status_code == 201, response.text
    registry = f"/wp/v2/restart-registry/{response.json()['id']}"
    try:
        assert refusal(rest(site, guest, "PUT", "/wp-json/wp/v2/Users/me", json={"email": address})) == REFUSED
        assert wordpress_api(site, guest, "GET", registry).status_code == 403

        # The test can tell: once the address is the guest's, the registry opens to them.
        assert wordpress_api(site, site.admin, "POST", f"/wp/v2/users/{guest.id}", json={"email": address}).is_success
        assert wordpress_api(site, guest, "GET", registry).status_code == 200
    finally:
        force_delete_registries(site, [response.json()["id"]])


# --- XML-RPC --------------------------------------------------------------------------------


def test_a_user_cannot_change_their_e_mail_through_xml_rpc(site, make_user, read_email):
    guest = make_user()
    profile = {"email": new_address(), "first_name": "Gwen"}
    # WordPress's own wp.editProfile takes the other fields and leaves the address alone.
    assert call_xmlrpc(site, "wp.editProfile", 1, guest.login, guest.app_password, profile) is True
    calls = [{"methodName": "wp.editProfile", "params": [1, guest.login, guest.app_password, profile]}]
    assert call_xmlrpc(site, "system.multicall", calls) == [[True]]
    assert read_email(guest) == guest.email
    user = wordpress_api(site, guest, "GET", "/wp/v2/users/me", params={"context": "edit"}).json()
    assert user["first_name"] == "Gwen"


def test_a_user_cannot_change_their_e_mail_through_a_plugins_xml_rpc_method(site, make_user, read_email, email_writer):
    guest, administrator = make_user(), make_user("administrator")
    with pytest.raises(xmlrpc.client.Fault) as refused:
        call_xmlrpc(site, "restartRegistryTest.setEmail", guest.login, guest.app_password, new_address())
    assert refused.value.faultCode == 403 and "profile screen" in refused.value.faultString
    calls = [{"methodName": "restartRegistryTest.setEmail", "params": [guest.login, guest.app_password, new_address()]}]
    [answer] = call_xmlrpc(site, "system.multicall", calls)
    assert answer["faultCode"] == 403, answer
    assert read_email(guest) == guest.email

    # The method does write the address: an administrator's own change goes through it.
    address = new_address()
    assert (
        call_xmlrpc(site, "restartRegistryTest.setEmail", administrator.login, administrator.app_password, address)
        is True
    )
    assert read_email(administrator) == address


# --- The profile screen ---------------------------------------------------------------------


def user_meta(site: WordPressSite, user_id: int, key: str) -> Any:
    """A user meta value, read by PHP with WordPress loaded (the REST API does not show this one)."""
    docroot = Path(site.state_dir) / "docroot"
    code = (
        f"$_SERVER['HTTP_HOST'] = '127.0.0.1:{site.port}'; require {json.dumps(str(docroot / 'wp-load.php'))};"
        f" echo json_encode(get_user_meta({int(user_id)}, {json.dumps(key)}, true));"
    )
    result = subprocess.run(["php", "-r", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_profile_screen_changes_a_users_e_mail_once_the_new_address_confirms_it(site, make_user, read_email):
    guest = make_user()
    address = new_address()
    with httpx.Client(base_url=site.url, timeout=30) as browser:
        browser.cookies.set("wordpress_test_cookie", "WP Cookie check")
        login = browser.post("/wp-login.php", data={"log": guest.login, "pwd": guest.password, "testcookie": "1"})
        assert login.status_code == 302, login.text[:500]
        form = browser.get("/wp-admin/profile.php")
        assert form.status_code == 200
        nonce = re.search(r'name="_wpnonce" value="([0-9a-f]+)"', form.text)
        assert nonce, form.text[:500]
        saved = browser.post("/wp-admin/profile.php", data={
            "_wpnonce": nonce[1], "action": "update", "user_id": str(guest.id), "from": "profile",
            "email": address, "nickname": guest.login,
        })  # fmt: skip
        assert saved.status_code == 302, saved.text[:500]
        assert read_email(guest) == guest.email  # not before the new address confirms it

        pending = user_meta(site, guest.id, "_new_email")
        assert pending["newemail"] == address
        confirmed = browser.get("/wp-admin/profile.php", params={"newuseremail": pending["hash"]})
        assert (confirmed.status_code, confirmed.headers["location"].endswith("updated=true")) == (302, True)
    assert read_email(guest) == address
