"""The fixed path of a relief case, and who may take each step. The one place the rules live:
services, pages, API and the demo all ask here."""

from jiedao.roles import Role
from jiedao.workflow import StatePath

from .models import CaseState as S
from .models import WishState

# state → (the next state, the roles that may move a case there from this state)
FORWARD = {
    S.APPLIED: (S.COMMUNITY_REVIEWED, {Role.COMMUNITY_STAFF}),
    S.COMMUNITY_REVIEWED: (S.SUBDISTRICT_REVIEWED, {Role.SUBDISTRICT_ADMIN}),
    S.SUBDISTRICT_REVIEWED: (S.PUBLICIZED, {Role.SUBDISTRICT_ADMIN}),
    S.PUBLICIZED: (S.APPROVED, {Role.SUBDISTRICT_ADMIN}),
    S.APPROVED: (S.DISBURSED, {Role.SUBDISTRICT_ADMIN}),
    S.DISBURSED: (S.CLOSED, {Role.SUBDISTRICT_ADMIN}),
}
# A case can be turned down while it is still being decided, by the role of the step it waits for.
OPEN_STATES = [S.APPLIED, S.COMMUNITY_REVIEWED, S.SUBDISTRICT_REVIEWED, S.PUBLICIZED, S.APPROVED]
# How every count groups states: still being decided (在办), and receiving aid (在保: approved, paid).
IN_PROGRESS = [S.APPLIED, S.COMMUNITY_REVIEWED, S.SUBDISTRICT_REVIEWED, S.PUBLICIZED]
IN_AID = [S.APPROVED, S.DISBURSED]
# Who may open a case (state "applied"): jiedao.scope.can_open_cases.
# Who records payments, and voids or corrects them: the role that moves an approved case on to 发放.
PAYERS = FORWARD[S.APPROVED][1]


def records_payments(user) -> bool:
    return getattr(user, "role", None) in PAYERS


PATH = StatePath(states=S, forward=FORWARD, open_states=OPEN_STATES, rejected=S.REJECTED, noun="案件")
allowed_moves = PATH.allowed_moves
refusal = PATH.refusal
waiting_for = PATH.waiting_for


# 微心愿: the same helper, its own path. Community staff check a wish is genuine and respectfully worded (审核);
# the sub-district publishes it in the office's name (发布); whoever deals with the donor, the community or
# the sub-district, records the claim and the fulfilment. A wish is withdrawn (撤回, with a reason) before it
# comes true, by the role of the step it waits for.
W = WishState
WISH_FORWARD = {
    W.COLLECTED: (W.REVIEWED, {Role.COMMUNITY_STAFF}),
    W.REVIEWED: (W.PUBLISHED, {Role.SUBDISTRICT_ADMIN}),
    W.PUBLISHED: (W.CLAIMED, {Role.COMMUNITY_STAFF, Role.SUBDISTRICT_ADMIN}),
    W.CLAIMED: (W.FULFILLED, {Role.COMMUNITY_STAFF, Role.SUBDISTRICT_ADMIN}),
}
WISH_OPEN_STATES = [W.COLLECTED, W.REVIEWED, W.PUBLISHED, W.CLAIMED]
WISH_PATH = StatePath(states=W, forward=WISH_FORWARD, open_states=WISH_OPEN_STATES, rejected=W.WITHDRAWN,
                      noun="微心愿")
