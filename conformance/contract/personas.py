"""The personas a target names, by the relation each has to the test iTwins (docs/targets.md).

The target files, the mock's seeded world and the suite's permission tests all speak of
these names, so they are written here once.
"""

from __future__ import annotations

# Identities with credentials:
# org_admin        an Organization Administrator of the organization that owns the iTwins
# member_modify    an invited member (of another organization) whose role has itwins_modify
# member_read      a member whose role lacks it
# non_member       of the owning organization, neither a member nor an administrator
# other_org_admin  an administrator of another organization, not a member
PERSONAS = ("org_admin", "member_modify", "member_read", "non_member", "other_org_admin")
# Optional, a token only, for auth tests where the suite cannot mint one: correctly signed
# but expired, and valid without the itwin-platform scope.
TOKEN_ONLY_PERSONAS = ("expired", "no_scope")
