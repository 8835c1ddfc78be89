#!/usr/bin/env python3
"""Drive the real third-party Zendesk client `zenpy` against `zroster fake`, the way a roster
tool would, and report every call that fails, raises inside the library, or answers something
the recorded Zendesk exchanges contradict.

Usage (from the repository root, with zenpy installed: `pip install zenpy`):

    cargo build --bin zroster
    python3 tests/clients/zenpy_probe.py [--zroster target/debug/zroster]
                                         [--recorded /work/shared/zendesk/recorded]

Exit status: 0 when every step passed, 1 when any step failed, 2 when the emulator or zenpy
could not be started. See tests/clients/README.md.
"""

import argparse
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback
import uuid

try:
    import zenpy
    from zenpy import Zenpy
    from zenpy.lib.api_objects import (
        CustomAgentRole,
        Group,
        GroupMembership,
        Identity,
        Organization,
        OrganizationMembership,
        User,
        UserField,
    )
    from zenpy.lib.exception import APIException, RecordNotFoundException
except ImportError as error:  # pragma: no cover - environment problem, not a probe result
    print(f"error: zenpy is not importable ({error}); run `pip install zenpy`", file=sys.stderr)
    sys.exit(2)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EMAIL = "admin@example.com"
TOKEN = "fake-token"
OAUTH = "fake-oauth-token"
# The account knobs the bulk, tagging and search steps need (a fresh enterprise account has
# bulk imports and user tagging off and a search index that lags).
ACCOUNT = {
    "bulk_imports": True,
    "user_tagging": True,
    "search_lag_s": 0,
    "multiple_organizations": True,
}
RUN = uuid.uuid4().hex[:8]


class Skip(Exception):
    """A step could not run because an earlier one failed."""


class Failure(Exception):
    """A check inside a step did not hold."""


class Results:
    def __init__(self):
        self.passed = []
        self.failed = []
        self.skipped = []

    def step(self, name, function):
        try:
            value = function()
        except Skip as why:
            self.skipped.append((name, str(why)))
            print(f"SKIP {name}: {why}")
            return None
        except Exception as error:  # noqa: BLE001 - every library error is a finding
            kind = "check" if isinstance(error, Failure) else "raised"
            detail = f"{type(error).__name__}: {error}"
            where = traceback.extract_tb(error.__traceback__)[-1]
            if kind == "raised":
                detail += f" (at {os.path.basename(where.filename)}:{where.lineno})"
            self.failed.append((name, detail))
            print(f"FAIL {name}: {detail}")
            return None
        self.passed.append(name)
        print(f"ok   {name}")
        return value


class Ctx(dict):
    """Values later steps need; a missing one skips the step that asks for it."""

    def __getattr__(self, key):
        if key not in self or self[key] is None:
            raise Skip(f"needs `{key}` from an earlier step")
        return self[key]

    def __setattr__(self, key, value):
        self[key] = value


def check(condition, message):
    if not condition:
        raise Failure(message)


def expect_error(function, status, error=None):
    """Runs `function`, which must raise the API error `status` (and `error` key)."""
    try:
        function()
    except APIException as raised:
        response = raised.response
        check(response is not None, f"{type(raised).__name__} without a response")
        check(
            response.status_code == status,
            f"status {response.status_code}, expected {status}: {response.text[:200]}",
        )
        body = response.json()
        if error is not None:
            check(body.get("error") == error, f"error {body.get('error')!r}, expected {error!r}")
        return response
    raise Failure(f"no error, expected {status}")


# --- the emulator ---------------------------------------------------------------------------


class Emulator:
    """One `zroster fake` process, started and stopped by this script."""

    def __init__(self, binary, args, account=None):
        self.state_file = None
        command = [binary, "fake", "--port", "0", *args]
        if account is not None:
            handle, self.state_file = tempfile.mkstemp(prefix="zenpy-probe-", suffix=".json")
            with os.fdopen(handle, "w") as out:
                json.dump({"account": account}, out)
            command += ["--state", self.state_file]
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        line = self.process.stdout.readline().strip()
        prefix = "listening on http://"
        if not line.startswith(prefix):
            self.stop()
            raise RuntimeError(f"`{' '.join(command)}` printed {line!r}")
        self.netloc = line[len(prefix):]

    def client(self, **credentials):
        """A zenpy client whose URLs point at this emulator (zenpy reads both variables
        on every request, so the last emulator asked for a client is the one talked to)."""
        os.environ["ZENPY_FORCE_SCHEME"] = "http"
        os.environ["ZENPY_FORCE_NETLOC"] = self.netloc
        if not credentials:
            credentials = {"email": EMAIL, "token": TOKEN}
        return Zenpy(subdomain="example", disable_cache=True, timeout=30, **credentials)

    def counts(self):
        import requests

        return requests.get(f"http://{self.netloc}/__fake/requests", timeout=10).json()

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if self.state_file:
            os.unlink(self.state_file)


# --- shapes from the recordings -------------------------------------------------------------

# Which recorded objects fix each resource's keys: (file, exchange, path to the object).
REFERENCES = {
    # users/me adds `authenticity_token`, which other user answers lack
    "user": [("zenpy__users-me.json", 0, ["user"]), ("zenpy__user-create-single.json", 0, ["user"])],
    "identity": [("grouparoo__users-export-profile-2020-08.json", 50, ["identities", 0])],
    "group": [("zenpy__group-create-single.json", 0, ["group"])],
    "group_membership": [
        ("zenpy__group-memberships-pagination.json", 0, ["group_memberships", 0]),
        ("zendesk-api-client-rb__group-membership-create-2015.json", 0, ["group_membership"]),
    ],
    "organization": [("zenpy__organization-create-single.json", 0, ["organization"])],
    "organization_membership": [
        ("zendesk-api-client-rb__organization-membership-create-2015.json", 0,
         ["organization_membership"]),
        ("go-zendesk__GET-organization-memberships.json", 0, ["organization_memberships", 0]),
    ],
    "custom_role": [("zenpy__custom-role-show-2023.json", 0, ["custom_role"])],
    "user_field": [
        ("zenpy__user-field-create-update-2023.json", 0, ["user_field"]),
        ("zendesk-api-client-rb__user-field-create-2015.json", 0, ["user_field"]),
    ],
    "job_status": [
        ("zenpy__organizations-create-many-and-list-2024.json", 0, ["job_status"]),
        ("zenpy__users-create-many-100.json", 0, ["job_status"]),
    ],
    "search result (user)": [("zenpy__users-search-export-small.json", 0, ["results", 0])],
}


class Shapes:
    """Key sets of recorded objects: an emulated object must hold every key all references
    share and no key none of them has."""

    def __init__(self, directory):
        self.keys = {}
        if not directory:
            return
        for kind, references in REFERENCES.items():
            sets = []
            for name, index, path in references:
                candidates = glob.glob(os.path.join(directory, name))
                if not candidates:
                    continue
                with open(candidates[0]) as f:
                    value = json.load(f)["exchanges"][index]["response"]["body"]
                for part in path:
                    value = value[part]
                sets.append(set(value))
            if sets:
                self.keys[kind] = (set.intersection(*sets), set.union(*sets))

    def check(self, kind, obj):
        if kind not in self.keys:
            return
        required, allowed = self.keys[kind]
        keys = set(obj)
        missing = sorted(required - keys)
        extra = sorted(keys - allowed)
        check(not missing and not extra,
              f"{kind} keys differ from the recordings: missing {missing}, extra {extra}")


def template(path):
    """`/api/v2/users/123/identities/4.json` → `/api/v2/users/{id}/identities/{id}`."""
    return re.sub(r"/\d+(?=/|$)", "/{id}", path.split("?")[0].removesuffix(".json"))


class Traffic:
    """Every exchange of the main zenpy client (a `requests` response hook), audited at the
    end against the recordings: for each method and path the recordings show, a successful
    answer must have a status the recordings show for it, with a `Location` header exactly
    when they have one; JSON answers say `application/json; charset=utf-8` and carry the
    `X-Rate-Limit` headers zenpy's proactive rate limiting reads."""

    def __init__(self, directory):
        self.exchanges = []
        self.recorded = {}
        if not directory:
            return
        for name in glob.glob(os.path.join(directory, "*.json")):
            with open(name) as f:
                data = json.load(f)
            if data["source"]["kind"] != "recorded":
                continue
            for exchange in data["exchanges"]:
                request, response = exchange["request"], exchange["response"]
                if 200 <= response["status"] < 300:
                    key = (request["method"], template(request["path"]))
                    seen = (response["status"], "location" in response["headers"])
                    self.recorded.setdefault(key, set()).add(seen)

    def record(self, response, *args, **kwargs):
        from urllib.parse import urlparse

        self.exchanges.append((response.request.method, urlparse(response.request.url).path,
                               response.status_code, dict(response.headers)))

    def audit(self):
        problems = set()
        compared = set()
        for method, path, status, headers in self.exchanges:
            headers = {k.lower(): v for k, v in headers.items()}
            key = (method, template(path))
            if 200 <= status < 300 and key in self.recorded:
                compared.add(key)
                seen = (status, "location" in headers)
                if seen not in self.recorded[key]:
                    problems.add(f"{method} {key[1]}: {status}, Location {seen[1]}; "
                                 f"recorded {sorted(self.recorded[key])}")
            content_type = headers.get("content-type", "")
            if content_type.startswith("application/json"):
                if content_type.lower() != "application/json; charset=utf-8":
                    problems.add(f"{method} {key[1]}: content-type {content_type!r}")
                if "x-rate-limit" not in headers or "x-rate-limit-remaining" not in headers:
                    problems.add(f"{method} {key[1]}: no X-Rate-Limit headers")
        check(len(compared) >= 20, f"only {len(compared)} recorded endpoints compared")
        check(not problems, "; ".join(sorted(problems)))
        print(f"     {len(self.exchanges)} exchanges, {len(compared)} recorded endpoints compared")


# --- helpers on top of zenpy ----------------------------------------------------------------


def raw(client, method, path, **kwargs):
    """A request through zenpy's own session and URL builder, for shapes zenpy hides."""
    api = client.users
    url = f"{os.environ['ZENPY_FORCE_SCHEME']}://{api.base_url}/api/v2/{path}"
    return getattr(api.session, method)(url, timeout=30, **kwargs)


def call(api, method, path, payload=None, params=None):
    """A request through zenpy's own request and response handling, for endpoints zenpy
    builds wrongly (see README.md): `api._get/_post/_put/_delete` on a URL built here."""
    url = f"{os.environ['ZENPY_FORCE_SCHEME']}://{api.base_url}/api/v2/{path}"
    if method == "get":
        return api._get(url, params=params)
    if method == "delete":
        return api._delete(url)
    return getattr(api, f"_{method}")(url, payload)


def wait_job(client, job, timeout=60):
    """Polls `job_statuses/{id}` through zenpy until the job is done."""
    check(job.__class__.__name__ == "JobStatus", f"expected a JobStatus, got {job!r}")
    deadline = time.time() + timeout
    while True:
        status = client.job_status(id=job.id)
        if status.status not in ("queued", "working"):
            check(status.status == "completed", f"job ended {status.status}: {status.message}")
            return status
        check(time.time() < deadline, f"job {job.id} still {status.status}")
        time.sleep(0.2)


def results_of(job):
    """The job's `results` as plain dicts (zenpy turns them into JobStatusResult objects)."""
    out = []
    for item in job.results or []:
        out.append(item.to_dict() if hasattr(item, "to_dict") else item)
    return out


def listed(generator):
    return list(generator)


# --- the steps ------------------------------------------------------------------------------


def probe_main(results, emulator, shapes, traffic):
    z = emulator.client()
    z.users.session.hooks["response"].append(traffic.record)
    c = Ctx()
    step = results.step

    # users/me, with both credentials zenpy supports
    def me():
        user = z.users.me()
        check(user.id is not None and user.role == "admin", f"me: {user.to_dict()}")
        body = raw(z, "get", "users/me.json").json()["user"]
        check("authenticity_token" in body, "users/me lacks authenticity_token")
        shapes.check("user", body)
        c.admin = user

    step("users.me (API token)", me)

    def me_oauth():
        user = emulator.client(oauth_token=OAUTH).users.me()
        check(user.email == EMAIL, f"oauth me: {user.email}")
        emulator.client()  # back to the token client's environment

    step("users.me (OAuth bearer)", me_oauth)

    def admin_role():
        role = c.admin.custom_role
        check(role is not None and role.name, f"admin's system role: {role!r}")

    step("user.custom_role of the admin (GET custom_roles/{id})", admin_role)

    # custom roles
    def roles_list():
        roles = listed(z.custom_agent_roles())
        check(roles, "no custom roles on an enterprise account")
        for role in roles:
            check(role.id and role.name and role.configuration is not None, f"role {role.to_dict()}")
        c.roles = roles

    step("custom_agent_roles() list", roles_list)

    def role_show():
        role = z.custom_agent_roles(id=c.roles[0].id)
        check(role.id == c.roles[0].id, f"show role: {role!r}")
        shapes.check("custom_role", raw(z, "get", f"custom_roles/{role.id}.json").json()["custom_role"])

    step("custom_agent_roles(id=) show", role_show)

    # zenpy's custom_agent_roles.create/update/delete raise `Unknown object_type:
    # custom_agent_role` before sending anything (and would send the root key
    # `custom_agent_role`); a tool using zenpy posts `{"custom_role": …}` itself.
    def role_create():
        role = call(z.custom_agent_roles, "post", "custom_roles.json",
                    {"custom_role": {"name": f"Probe {RUN}", "description": "probe",
                                     "configuration": {"ticket_access": "within-groups"}}})
        check(isinstance(role, CustomAgentRole) and role.name == f"Probe {RUN}", f"created role: {role!r}")
        c.role = role

    step("POST custom_roles (zenpy low-level; custom_agent_roles.create is broken)", role_create)

    def role_update():
        updated = call(z.custom_agent_roles, "put", f"custom_roles/{c.role.id}.json",
                       {"custom_role": {"description": "probe, updated"}})
        check(updated.description == "probe, updated", f"updated role: {updated.to_dict()}")
        check(z.custom_agent_roles(id=c.role.id).description == "probe, updated", "update not shown")

    step("PUT custom_roles/{id} (zenpy low-level)", role_update)

    # user fields
    def fields_list():
        c.fields_before = listed(z.user_fields())

    step("user_fields() list", fields_list)

    def field_create():
        field = z.user_fields.create(UserField(type="text", title=f"Desk {RUN}", key=f"desk_{RUN}"))
        check(field.id and field.key == f"desk_{RUN}", f"created field: {field.to_dict()}")
        shapes.check("user_field", raw(z, "get", f"user_fields/{field.id}.json").json()["user_field"])
        c.field = field

    step("user_fields.create", field_create)

    def field_update():
        field = c.field
        field.title = f"Desk {RUN} (room)"
        updated = z.user_fields.update(field)
        check(updated.title == f"Desk {RUN} (room)", f"updated field: {updated.to_dict()}")
        check(len(listed(z.user_fields())) == len(c.fields_before) + 1, "field not listed")

    step("user_fields.update and list", field_update)

    # users
    email = f"probe-{RUN}@example.com"

    def user_create():
        user = z.users.create(User(name="Probe Agent", email=email, role="agent",
                                   external_id=f"ext-{RUN}", tags=["probe"],
                                   user_fields={f"desk_{RUN}": "B2"} if c.get("field") else None))
        check(user.id and user.email == email and user.role == "agent", f"created: {user.to_dict()}")
        c.user = user

    step("users.create (agent)", user_create)

    def user_show():
        user = z.users(id=c.user.id)
        check(user.email == email, f"show: {user.to_dict()}")
        check(user.custom_role_id is not None, "an enterprise agent has no custom_role_id")
        shapes.check("user", raw(z, "get", f"users/{user.id}.json").json()["user"])

    step("users(id=) show", user_show)

    def user_update():
        user = z.users(id=c.user.id)
        user.name = "Probe Agent Renamed"
        user.custom_role_id = c.role.id if c.get("role") else user.custom_role_id
        updated = z.users.update(user)
        check(updated.name == "Probe Agent Renamed", f"updated: {updated.to_dict()}")
        if c.get("role"):
            check(updated.custom_role_id == c.role.id, "custom_role_id not set")
            check(updated.custom_role.id == c.role.id, "user.custom_role is not the new role")

    step("users.update (name, custom_role_id)", user_update)

    def user_tags():
        # a roster tool writes the whole list with the user (the /users/{id}/tags endpoints
        # are not emulated, see README.md)
        user = z.users(id=c.user.id)
        user.tags = ["beta", "gamma"]
        check(sorted(z.users.update(user).tags) == ["beta", "gamma"], "tags not written")
        check(sorted(z.users(id=c.user.id).tags) == ["beta", "gamma"], "tags not kept")

    step("users.update (tags, with user tagging on)", user_tags)

    def user_by_external_id():
        found = listed(z.users(external_id=f"ext-{RUN}"))
        check([u.id for u in found] == [c.user.id], f"users?external_id=: {found}")

    step("users(external_id=…) list filter", user_by_external_id)

    def search_email():
        found = listed(z.users.search(query=f"email:{email}"))
        check([u.id for u in found] == [c.user.id], f"users/search email: {found}")

    step("users.search(query='email:…')", search_email)

    def search_external():
        found = listed(z.users.search(external_id=f"ext-{RUN}"))
        check([u.id for u in found] == [c.user.id], f"users/search external_id: {found}")

    step("users.search(external_id=…)", search_external)

    def search_general():
        found = listed(z.search(type="user", email=email))
        check([u.id for u in found] == [c.user.id], f"/search type:user email: {found}")
        body = raw(z, "get", "search.json", params={"query": f"type:user email:{email}"}).json()
        shapes.check("search result (user)", body["results"][0])

    step("search(type='user', email=…)", search_general)

    def search_export():
        found = listed(z.search_export(type="user", email=email))
        check([u.id for u in found] == [c.user.id], f"/search/export: {found}")

    step("search_export(type='user', email=…)", search_export)

    def search_export_pages():
        # more than one page: every user whose name starts with a letter, page size 1
        found = listed(z.search_export(type="user", cursor_pagination=1))
        check(len(found) >= 2, f"/search/export walked {len(found)} users")
        check(len({u.id for u in found}) == len(found), "/search/export repeated a user")

    step("search_export paging with page[size]=1", search_export_pages)

    def cou_existing():
        user = z.users.create_or_update(User(email=email, name="Probe Agent CoU"))
        check(user.id == c.user.id and user.name == "Probe Agent CoU", f"create_or_update: {user.to_dict()}")

    step("users.create_or_update (existing, by email)", cou_existing)

    def cou_new():
        user = z.users.create_or_update(User(email=f"cou-{RUN}@example.com", name="CoU New",
                                             external_id=f"cou-{RUN}"))
        check(user.id and user.id != c.user.id, f"create_or_update new: {user.to_dict()}")
        c.cou_user = user

    step("users.create_or_update (new)", cou_new)

    # identities
    def identities_list():
        identities = listed(z.users.identities(id=c.user.id))
        check(len(identities) == 1 and identities[0].primary and identities[0].value == email,
              f"identities: {[i.to_dict() for i in identities]}")
        shapes.check("identity", raw(z, "get", f"users/{c.user.id}/identities.json").json()["identities"][0])

    step("users.identities(id=) list", identities_list)

    def identity_create():
        identity = z.users.identities.create(c.user, Identity(type="email", value=f"second-{RUN}@example.com"))
        check(identity.id and identity.primary is False, f"identity: {identity.to_dict()}")
        c.identity = identity

    step("users.identities.create", identity_create)

    def identity_show():
        identity = z.users.identities.show(c.user, c.identity)
        check(identity.id == c.identity.id, f"identity show: {identity!r}")

    step("users.identities.show", identity_show)

    def identity_primary():
        identities = z.users.identities.make_primary(c.user, c.identity)
        identities = listed(identities)
        check(identities and identities[0].id == c.identity.id and identities[0].primary,
              f"make_primary: {[i.to_dict() for i in identities]}")
        check(z.users(id=c.user.id).email == f"second-{RUN}@example.com", "user.email not the new primary")
        z.users.identities.make_primary(c.user, identities[1])

    step("users.identities.make_primary (and back)", identity_primary)

    def identity_verify():
        identity = z.users.identities.verify(c.user, c.identity)
        check(getattr(identity, "verified", None) is True, f"verify answered {identity!r}")

    step("users.identities.verify", identity_verify)

    def identity_delete():
        z.users.identities.delete(c.user, c.identity)
        left = listed(z.users.identities(id=c.user.id))
        check([i.value for i in left] == [email], f"after delete: {[i.value for i in left]}")

    step("users.identities.delete", identity_delete)

    # groups and group memberships
    def group_create():
        group = z.groups.create(Group(name=f"Probe Group {RUN}", description="probe"))
        check(group.id and group.name == f"Probe Group {RUN}", f"group: {group.to_dict()}")
        shapes.check("group", raw(z, "get", f"groups/{group.id}.json").json()["group"])
        c.group = group

    step("groups.create", group_create)

    def group_update():
        group = c.group
        group.description = "probe, updated"
        updated = z.groups.update(group)
        check(updated.description == "probe, updated", f"group update: {updated.to_dict()}")

    step("groups.update", group_update)

    def groups_list():
        groups = listed(z.groups())
        check(c.group.id in [g.id for g in groups], "new group not listed")
        c.default_group = next((g for g in groups if g.default), None)

    step("groups() list", groups_list)

    def gm_create():
        membership = z.group_memberships.create(GroupMembership(user_id=c.user.id, group_id=c.group.id))
        check(membership.id and membership.group_id == c.group.id, f"membership: {membership.to_dict()}")
        shapes.check("group_membership",
                     raw(z, "get", f"group_memberships/{membership.id}.json").json()["group_membership"])
        c.gm = membership

    step("group_memberships.create", gm_create)

    def gm_per_user():
        memberships = listed(z.users.group_memberships(c.user))
        check(c.gm.id in [m.id for m in memberships], f"per user: {memberships}")
        groups = listed(z.users.groups(c.user))
        check(c.group.id in [g.id for g in groups], f"users/{{id}}/groups: {groups}")

    step("users.group_memberships / users.groups", gm_per_user)

    def gm_per_group():
        memberships = listed(z.groups.memberships(c.group))
        check([m.user_id for m in memberships] == [c.user.id], f"per group: {memberships}")
        users = listed(z.groups.users(c.group))
        check([u.id for u in users] == [c.user.id], f"groups/{{id}}/users: {users}")
        check(memberships[0].user.id == c.user.id and memberships[0].group.id == c.group.id,
              "membership.user / membership.group lookups")

    step("groups.memberships / groups.users", gm_per_group)

    def gm_all():
        memberships = listed(z.group_memberships())
        check(c.gm.id in [m.id for m in memberships], "group_memberships() lacks the new one")

    step("group_memberships() list", gm_all)

    def gm_bulk():
        agent = z.users.create(User(name="Bulk Agent", email=f"bulk-agent-{RUN}@example.com", role="agent"))
        c.bulk_agent = agent
        job = wait_job(z, z.group_memberships.create([GroupMembership(user_id=agent.id, group_id=c.group.id)]))
        ids = [r["id"] for r in results_of(job)]
        check(len(ids) == 1, f"group_memberships create_many: {results_of(job)}")
        memberships = [m for m in listed(z.groups.memberships(c.group)) if m.user_id == agent.id]
        check([m.id for m in memberships] == ids, f"created membership not listed: {memberships}")
        job = wait_job(z, z.group_memberships.delete(memberships))
        check(len(results_of(job)) == 1, f"group_memberships destroy_many: {results_of(job)}")
        check(all(m.user_id != agent.id for m in listed(z.groups.memberships(c.group))), "not destroyed")

    step("group_memberships create_many / destroy_many", gm_bulk)

    def gm_default():
        answer = z.group_memberships.make_default(c.user, c.gm)
        memberships = listed(answer) if not hasattr(answer, "status_code") else answer.json()
        check(memberships, f"make_default answered {answer!r}")

    step("group_memberships.make_default", gm_default)

    def gm_delete():
        # the agent keeps its default group (an agent must belong to one, API.md §12)
        z.group_memberships.delete(c.gm)
        expect_error(lambda: z.group_memberships(id=c.gm.id), 404, "RecordNotFound")
        check(c.gm.id not in [m.id for m in listed(z.users.group_memberships(c.user))], "still listed")

    step("group_memberships.delete", gm_delete)

    # organizations and organization memberships
    def org_create():
        org = z.organizations.create(Organization(name=f"Probe Org {RUN}", external_id=f"org-{RUN}",
                                                  domain_names=[f"{RUN}.example"]))
        check(org.id and org.external_id == f"org-{RUN}", f"org: {org.to_dict()}")
        shapes.check("organization", raw(z, "get", f"organizations/{org.id}.json").json()["organization"])
        c.org = org

    step("organizations.create", org_create)

    def org_cou():
        org = z.organizations.create_or_update(Organization(external_id=f"org-{RUN}", notes="cou"))
        check(org.id == c.org.id and org.notes == "cou", f"org create_or_update: {org.to_dict()}")
        org2 = z.organizations.create_or_update(Organization(name=f"Probe Org 2 {RUN}", external_id=f"org2-{RUN}"))
        check(org2.id != c.org.id, "create_or_update of a new org matched the old one")
        c.org2 = org2

    step("organizations.create_or_update (existing, new)", org_cou)

    def org_update():
        org = z.organizations(id=c.org.id)
        org.details = "updated"
        updated = z.organizations.update(org)
        check(updated.details == "updated", f"org update: {updated.to_dict()}")

    step("organizations.update", org_update)

    def org_search():
        # zenpy's organizations.external() appends `?page[size]=100` to a path that already
        # has `?external_id=`, so the external id it sends is `org-…?page[size]=100`
        found = listed(call(z.organizations, "get", "organizations/search.json",
                            params={"external_id": f"org-{RUN}"}))
        check([o.id for o in found] == [c.org.id], f"organizations/search external_id: {found}")
        by_name = raw(z, "get", "organizations/search.json", params={"name": f"probe org {RUN}"}).json()
        check([o["id"] for o in by_name.get("organizations", [])] == [c.org.id], f"by name: {by_name}")

    step("organizations/search (external_id, name)", org_search)

    def org_show_many():
        orgs = listed(z.organizations(ids=[c.org.id, c.org2.id]))
        check(sorted(o.id for o in orgs) == sorted([c.org.id, c.org2.id]), f"show_many: {orgs}")

    step("organizations(ids=) show_many", org_show_many)

    def om_create():
        membership = z.organization_memberships.create(
            OrganizationMembership(user_id=c.user.id, organization_id=c.org.id))
        check(membership.id and membership.default, f"first org membership: {membership.to_dict()}")
        shapes.check("organization_membership",
                     raw(z, "get", f"organization_memberships/{membership.id}.json").json()["organization_membership"])
        second = z.organization_memberships.create(
            OrganizationMembership(user_id=c.user.id, organization_id=c.org2.id))
        check(not second.default, f"second org membership default: {second.to_dict()}")
        c.om = membership
        c.om2 = second

    step("organization_memberships.create (two orgs)", om_create)

    def om_lists():
        per_user = listed(z.users.organization_memberships(c.user))
        check(sorted(m.id for m in per_user) == sorted([c.om.id, c.om2.id]), f"per user: {per_user}")
        per_org = listed(z.organizations.organization_memberships(c.org))
        check([m.user_id for m in per_org] == [c.user.id], f"per org: {per_org}")
        orgs = listed(z.users.organizations(c.user))
        check(sorted(o.id for o in orgs) == sorted([c.org.id, c.org2.id]), f"users/{{id}}/organizations: {orgs}")
        users = z.organizations.users(c.org)
        check([u.id for u in listed(users)] == [c.user.id], "organizations/{id}/users")
        check(c.om.organization.id == c.org.id, "membership.organization lookup")
        check(any(m.id == c.om.id for m in listed(z.organization_memberships())), "organization_memberships() list")

    step("organization memberships per user / per org / all", om_lists)

    def om_bulk():
        job = wait_job(z, z.organization_memberships.create(
            [OrganizationMembership(user_id=c.bulk_agent.id, organization_id=c.org.id)]))
        ids = [r["id"] for r in results_of(job)]
        check(len(ids) == 1, f"organization_memberships create_many: {results_of(job)}")
        memberships = listed(z.users.organization_memberships(c.bulk_agent))
        check([m.id for m in memberships] == ids, f"created org membership not listed: {memberships}")
        job = wait_job(z, z.organization_memberships.delete(memberships))
        check(len(results_of(job)) == 1, f"organization_memberships destroy_many: {results_of(job)}")
        check(listed(z.users.organization_memberships(c.bulk_agent)) == [], "not destroyed")

    step("organization_memberships create_many / destroy_many", om_bulk)

    def om_delete():
        z.organization_memberships.delete(c.om2)
        expect_error(lambda: z.organization_memberships(id=c.om2.id), 404, "RecordNotFound")

    step("organization_memberships.delete", om_delete)

    def org_delete():
        z.organizations.delete(c.org2)
        expect_error(lambda: z.organizations(id=c.org2.id), 404, "RecordNotFound")

    step("organizations.delete", org_delete)

    def org_bulk():
        job = wait_job(z, z.organizations.create([Organization(name=f"Bulk Org {RUN} {i}") for i in range(3)]))
        ids = [r["id"] for r in results_of(job)]
        check(len(ids) == 3, f"org create_many results: {results_of(job)}")
        orgs = listed(z.organizations(ids=ids))
        for org in orgs:
            org.notes = "bulk"
        job = wait_job(z, z.organizations.update(orgs))
        check(all(r.get("status") == "Updated" for r in results_of(job)), f"update_many: {results_of(job)}")
        job = wait_job(z, z.organizations.delete(orgs))
        check(len(results_of(job)) == 3, f"destroy_many: {results_of(job)}")

    step("organizations create_many / update_many / destroy_many", org_bulk)

    # bulk users
    def users_create_many():
        users = [User(name=f"Bulk {i}", email=f"bulk-{i}-{RUN}@example.com", external_id=f"bulk-{i}-{RUN}")
                 for i in range(5)]
        queued = z.users.create(users)
        shapes.check("job_status", raw(z, "get", f"job_statuses/{queued.id}.json").json()["job_status"])
        job = wait_job(z, queued)
        results = results_of(job)
        check(len(results) == 5 and all(r.get("status") == "Created" for r in results), f"results: {results}")
        c.bulk_ids = [r["id"] for r in results]

    step("users.create([...]) create_many + job_status", users_create_many)

    def users_show_many():
        users = listed(z.users(ids=c.bulk_ids))
        check(sorted(u.id for u in users) == sorted(c.bulk_ids), f"show_many: {[u.id for u in users]}")
        c.bulk_users = users

    step("users(ids=) show_many", users_show_many)

    def job_show_many():
        job = z.users.create([User(name=f"Bulk x {RUN}", email=f"bulk-x-{RUN}@example.com")])
        statuses = z.job_status(ids=[job.id])
        statuses = statuses["job_statuses"] if isinstance(statuses, dict) else listed(statuses)
        check([s.id for s in statuses] == [job.id], f"job_statuses/show_many: {statuses}")
        c.bulk_x = [r["id"] for r in results_of(wait_job(z, job))]

    step("job_status(ids=) show_many", job_show_many)

    def users_cou_many():
        users = [User(email=f"bulk-0-{RUN}@example.com", name="Bulk 0 CoU"),
                 User(email=f"bulk-new-{RUN}@example.com", name="Bulk New")]
        job = wait_job(z, z.users.create_or_update(users))
        statuses = sorted(r.get("status") for r in results_of(job))
        check(statuses == ["Created", "Updated"], f"create_or_update_many results: {results_of(job)}")
        c.bulk_new = [r["id"] for r in results_of(job) if r.get("status") == "Created"]

    step("users.create_or_update([...]) create_or_update_many", users_cou_many)

    def users_update_many():
        for user in c.bulk_users:
            user.notes = "batch"
        job = wait_job(z, z.users.update(c.bulk_users))
        check(len(results_of(job)) == 5 and all(r.get("status") == "Updated" for r in results_of(job)),
              f"update_many results: {results_of(job)}")
        check(all(u.notes == "batch" for u in listed(z.users(ids=c.bulk_ids))), "notes not updated")

    step("users.update([...]) update_many (batch)", users_update_many)

    def users_update_external():
        users = [User(external_id=f"bulk-{i}-{RUN}", details="by external id") for i in range(2)]
        job = wait_job(z, z.users.update_by_external_id(users))
        check(len(results_of(job)) == 2, f"update_many external_ids: {results_of(job)}")

    step("users.update_by_external_id (update_many?external_ids=)", users_update_external)

    def users_destroy_many():
        doomed = c.bulk_users + [User(id=i) for i in c.bulk_x + c.get("bulk_new", [])]
        job = wait_job(z, z.users.delete(doomed))
        check(len(results_of(job)) == len(doomed), f"destroy_many results: {results_of(job)}")
        left = listed(z.users(ids=c.bulk_ids))
        check(all(not u.active for u in left) or not left, "destroyed users still active")

    step("users.delete([...]) destroy_many", users_destroy_many)

    def users_list():
        users = listed(z.users())
        check(c.user.id in [u.id for u in users], "users() lacks the probe user")
        agents = listed(z.users(role=["agent", "admin"]))
        check(all(u.role in ("agent", "admin") for u in agents) and c.user.id in [u.id for u in agents],
              f"users(role=[agent, admin]): {[(u.id, u.role) for u in agents]}")

    step("users() list and role filter", users_list)

    def pagination():
        ids = []
        for batch in range(2):
            users = [User(name=f"Page {batch}-{i}", email=f"page-{batch}-{i}-{RUN}@example.com")
                     for i in range(60)]
            ids += [r["id"] for r in results_of(wait_job(z, z.users.create(users)))]
        check(len(ids) == 120, f"{len(ids)} users created")
        listed_ids = [u.id for u in z.users()]
        check(len(listed_ids) == len(set(listed_ids)), "users() repeated a user across pages")
        check(set(ids) <= set(listed_ids), "users() missed users past the first page")
        exported = [u.id for u in z.search_export(type="user")]
        check(set(ids) <= set(exported), "search_export missed users past the first page")
        incremental = [u.id for u in z.users.incremental(start_time=0, per_page=50)]
        check(set(ids) <= set(incremental), "incremental export missed users past the first page")
        found = [u.id for u in z.search(type="user", email=f"page-*-{RUN}@example.com")]
        if found:
            check(set(found) <= set(ids), "search found other users")
        for chunk in (ids[:100], ids[100:]):
            wait_job(z, z.users.delete([User(id=i) for i in chunk]))

    step("paging past 100 users: users(), search_export, incremental", pagination)

    def users_incremental():
        users = listed(z.users.incremental(start_time=0))
        check(c.user.id in [u.id for u in users], "incremental export lacks the probe user")

    step("users.incremental(start_time=0) cursor export", users_incremental)

    # deletion and deleted users
    def user_delete():
        deleted = z.users.delete(c.cou_user)
        check(deleted.active is False, f"deleted user: {deleted.to_dict()}")
        listed_deleted = listed(z.users.deleted())
        check(c.cou_user.id in [u.id for u in listed_deleted], "deleted_users lacks it")
        gone = z.users.permanently_delete(c.cou_user)
        check(getattr(gone, "id", None) == c.cou_user.id, f"permanently_delete: {gone!r}")

    step("users.delete / users.deleted / users.permanently_delete", user_delete)

    # error paths
    step("404: users(id=unknown) raises RecordNotFoundException",
         lambda: check(isinstance(expect_error(lambda: z.users(id=9223372036854775807), 404,
                                               "RecordNotFound"), object), ""))

    def not_found_class():
        try:
            z.groups(id=9223372036854775807)
        except RecordNotFoundException:
            return
        raise Failure("no RecordNotFoundException")

    step("404: groups(id=unknown) raises RecordNotFoundException", not_found_class)

    def duplicate_email():
        response = expect_error(lambda: z.users.create(User(name="Dup", email=email)), 422, "RecordInvalid")
        detail = response.json()["details"]["email"][0]
        check(detail.get("error") == "DuplicateValue" and "already being used" in detail["description"],
              f"duplicate email detail: {detail}")

    step("422: users.create with a taken email", duplicate_email)

    def duplicate_identity():
        other = z.users.create(User(name="Other", email=f"other-{RUN}@example.com"))
        response = expect_error(
            lambda: z.users.identities.create(other, Identity(type="email", value=email)), 422, "RecordInvalid")
        detail = response.json()["details"]["value"][0]
        check(detail.get("error") == "DuplicateValue", f"duplicate identity detail: {detail}")

    step("422: identities.create with another user's address", duplicate_identity)

    def too_many():
        users = [User(name=f"x{i}") for i in range(101)]
        expect_error(lambda: z.users.create(users), 400, "TooManyValues")

    step("400: users.create with 101 users raises TooManyValues", too_many)

    # cleanup of what a roster tool would remove
    def role_delete():
        user = z.users(id=c.user.id)
        user.custom_role_id = c.roles[0].id
        z.users.update(user)
        call(z.custom_agent_roles, "delete", f"custom_roles/{c.role.id}.json")
        expect_error(lambda: z.custom_agent_roles(id=c.role.id), 404, "RecordNotFound")

    step("DELETE custom_roles/{id} (zenpy low-level)", role_delete)

    def field_delete():
        z.user_fields.delete(c.field)
        expect_error(lambda: z.user_fields(id=c.field.id), 404, "RecordNotFound")

    step("user_fields.delete", field_delete)

    def group_delete():
        z.groups.delete(c.group)
        expect_error(lambda: z.groups(id=c.group.id), 404, "RecordNotFound")

    step("groups.delete", group_delete)

    if traffic.recorded:
        step("traffic: statuses, Location and headers as recorded", traffic.audit)


def probe_credentials(results, emulator):
    def bad_token_me():
        user = emulator.client(email=EMAIL, token="wrong").users.me()
        check(user.id is None and user.name == "Anonymous user",
              f"users/me with a wrong token: {user.to_dict()}")

    results.step("users.me with a wrong token answers the anonymous user", bad_token_me)

    def bad_token_list():
        client = emulator.client(email=EMAIL, token="wrong")
        response = expect_error(lambda: listed(client.users()), 401)
        check(response.json().get("error") == "Couldn't authenticate you", f"401 body {response.text}")

    results.step("401: users() with a wrong token", bad_token_list)

    def bad_oauth():
        client = emulator.client(oauth_token="wrong")
        expect_error(lambda: listed(client.groups()), 401)

    results.step("401: groups() with a wrong OAuth token", bad_oauth)


def probe_429(results, binary):
    emulator = Emulator(binary, ["--profile", "enterprise", "--fault-429", "0.5", "--fault-seed", "1"],
                        account=ACCOUNT)
    try:
        z = emulator.client()

        def retries():
            for i in range(8):
                check(z.users.me().email == EMAIL, "users/me through 429s")
            group = z.groups.create(Group(name=f"Retry {RUN}"))
            check(listed(z.groups.memberships(group)) == [], "memberships through 429s")
            counts = emulator.counts()
            check(counts["by_status"].get("429", 0) > 0, f"no 429 was injected: {counts}")

        results.step("429 + Retry-After: zenpy waits and retries (--fault-429 0.5)", retries)

        def shape():
            for _ in range(20):
                response = raw(z, "get", "users/me.json")
                if response.status_code == 429:
                    check(response.headers.get("retry-after", "").isdigit(), "429 without Retry-After")
                    check(response.json().get("error") == "APIRateLimitExceeded", response.text)
                    return
            raise Failure("no 429 in 20 requests")

        results.step("429 body and Retry-After header", shape)
    finally:
        emulator.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--zroster", default=os.path.join(REPO, "target", "debug", "zroster"),
                        help="the zroster binary (default: target/debug/zroster)")
    parser.add_argument("--recorded", default=os.environ.get("ZROSTER_RECORDED_DIR"),
                        help="directory of recorded exchanges to compare shapes with "
                             "(default: $ZROSTER_RECORDED_DIR; shape checks are skipped without it)")
    args = parser.parse_args()
    if not os.access(args.zroster, os.X_OK):
        print(f"error: `{args.zroster}` is not executable; run `cargo build --bin zroster`",
              file=sys.stderr)
        return 2
    print(f"zenpy {zenpy.__version__}, emulator {args.zroster}")
    shapes = Shapes(args.recorded)
    if not shapes.keys:
        print("note: no recordings given (--recorded); shape checks skipped")
    results = Results()
    try:
        emulator = Emulator(args.zroster, ["--profile", "enterprise"], account=ACCOUNT)
    except (OSError, RuntimeError) as error:
        print(f"error: cannot start the emulator: {error}", file=sys.stderr)
        return 2
    try:
        probe_main(results, emulator, shapes, Traffic(args.recorded))
        probe_credentials(results, emulator)
    finally:
        emulator.stop()
    probe_429(results, args.zroster)

    print()
    print(f"{len(results.passed)} passed, {len(results.failed)} failed, {len(results.skipped)} skipped")
    for name, detail in results.failed:
        print(f"  FAIL {name}: {detail}")
    for name, why in results.skipped:
        print(f"  SKIP {name}: {why}")
    return 1 if results.failed or results.skipped else 0


if __name__ == "__main__":
    sys.exit(main())
