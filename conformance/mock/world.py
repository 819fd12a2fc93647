"""Who exists and who may do what: organizations, users, service apps, iTwins, roles.

The seed is generated once per mock (random ids and throwaway secrets) and a reset puts the
world back to it, so a target file written at start keeps working after any reset. All
mutation happens on the server's event loop, between awaits, so each change is atomic.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from conformance.contract import PERSONAS

ITWINS_MODIFY = "itwins_modify"
ITWINS_DELETE = "itwins_delete"
READER_ROLE: frozenset[str] = frozenset()
MODIFIER_ROLE = frozenset({ITWINS_MODIFY})
OWNER_ROLE = frozenset({ITWINS_MODIFY, ITWINS_DELETE})

READ = "read"
MODIFY = "modify"
DELETE = "delete"


def now_iso() -> str:
    """ISO 8601 in UTC with milliseconds, as the iTwins API writes timestamps."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Organization:
    id: str
    name: str


@dataclass(frozen=True)
class User:
    """A persona: a service app acting as its own identity (client credentials)."""

    id: str
    persona: str
    organization_id: str
    org_admin: bool
    client_id: str
    client_secret: str = field(repr=False)


@dataclass(frozen=True)
class StoredImage:
    """One upload: its id names both blobs, so small and large always belong together.
    Each name's extension is its blob's format ("png" or "jpeg")."""

    id: str
    ext: str  # the upload's format
    small_ext: str = ""  # the thumbnail's format; the upload's when not given

    @property
    def small_name(self) -> str:
        return f"small_{self.id}.{self.small_ext or self.ext}"

    @property
    def large_name(self) -> str:
        return f"large_{self.id}.{self.ext}"


@dataclass
class ITwin:
    id: str
    owner_org: str
    display_name: str
    class_: str
    sub_class: str
    number: str
    created_by: str
    type: str | None = None
    status: str = "Active"
    members: dict[str, frozenset[str]] = field(default_factory=dict)
    image: StoredImage | None = None
    created: str = field(default_factory=now_iso)
    last_modified: str = ""
    last_modified_by: str = ""

    def __post_init__(self) -> None:
        self.last_modified = self.last_modified or self.created
        self.last_modified_by = self.last_modified_by or self.created_by

    def touch(self, user: User) -> None:
        self.last_modified = now_iso()
        self.last_modified_by = user.id

    def may(self, user: User, action: str, *, admin_reads: bool = True) -> bool:
        """Whether `user` may `action` (READ, MODIFY, DELETE) this iTwin.

        An Organization Administrator of the owning organization may modify and delete
        anything it owns, and read it too where `admin_reads` (undetermined: the mock's
        reading is yes); a member may read, and modify or delete only if a role grants it.
        """
        role = self.members.get(user.id)
        if user.org_admin and user.organization_id == self.owner_org and (
                action != READ or admin_reads):
            return True
        if role is None:
            return False
        return action == READ or (action == MODIFY and ITWINS_MODIFY in role) or (
            action == DELETE and ITWINS_DELETE in role)

    def is_visible_to(self, user: User, *, admin_reads: bool = True) -> bool:
        return self.may(user, READ, admin_reads=admin_reads)


@dataclass(frozen=True)
class Seed:
    """The default world: two organizations, one user per persona, one shared iTwin."""

    organizations: tuple[Organization, ...]
    users: dict[str, User]  # by persona
    shared_itwin_id: str

    @classmethod
    def generate(cls) -> Seed:
        owner = Organization(new_id(), "Example Industries")
        other = Organization(new_id(), "Partner Engineering")
        placement = {  # persona: (organization, is Organization Administrator)
            "org_admin": (owner, True),
            "member_modify": (other, False),
            "member_read": (owner, False),
            "non_member": (owner, False),
            "other_org_admin": (other, True),
        }
        users = {}
        for persona in PERSONAS:  # the contract's, each placed above
            org, admin = placement[persona]
            users[persona] = User(
                new_id(), persona, org.id, admin,
                f"service-mock-{persona.replace('_', '-')}-{secrets.token_hex(4)}",
                secrets.token_urlsafe(24))
        return cls((owner, other), users, new_id())

    def shared_itwin(self) -> ITwin:
        org_admin = self.users["org_admin"]
        return ITwin(
            id=self.shared_itwin_id, owner_org=org_admin.organization_id,
            display_name="Conformance shared iTwin", class_="Endeavor", sub_class="Project",
            number=f"conformance-shared-{self.shared_itwin_id[:8]}", created_by=org_admin.id,
            members={self.users["member_modify"].id: MODIFIER_ROLE,
                     self.users["member_read"].id: READER_ROLE})


class World:
    """The live state of the seed: the users never change; iTwins come and go."""

    def __init__(self, seed: Seed) -> None:
        self.seed = seed
        self._users_by_id = {user.id: user for user in seed.users.values()}
        self._users_by_client = {user.client_id: user for user in seed.users.values()}
        self.itwins: dict[str, ITwin] = {}
        self.reset()

    def reset(self) -> None:
        shared = self.seed.shared_itwin()
        self.itwins = {shared.id: shared}

    def user(self, user_id: object) -> User | None:
        return self._users_by_id.get(user_id) if isinstance(user_id, str) else None

    def client(self, client_id: str, client_secret: str) -> User | None:
        """The app whose credentials these are, compared in constant time."""
        user = self._users_by_client.get(client_id)
        if user is None:
            return None
        if not hmac.compare_digest(user.client_secret.encode(), client_secret.encode()):
            return None
        return user

    def itwin(self, itwin_id: str) -> ITwin | None:
        return self.itwins.get(itwin_id)

    def number_taken(self, owner_org: str, number: str) -> bool:
        return any(t.owner_org == owner_org and t.number == number for t in self.itwins.values())
