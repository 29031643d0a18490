"""The fixed path of a relief case, and who may take each step. The one place the rules live:
services, pages, API and the demo all ask here."""

from jiedao.models import Role

from .models import CaseState as S

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
# How the dashboard and the report pack group states: still being decided (在办), and receiving aid (在保).
IN_PROGRESS = [S.APPLIED, S.COMMUNITY_REVIEWED, S.SUBDISTRICT_REVIEWED, S.PUBLICIZED]
IN_AID = [S.APPROVED, S.DISBURSED]
# Who may open a case (state "applied").
APPLICANT_ROLES = {Role.GRID_WORKER, Role.COMMUNITY_STAFF}


def allowed_moves(state: str, role: str) -> list[str]:
    """The states a user of `role` may move a case in `state` to."""
    moves = []
    forward = FORWARD.get(state)
    if forward and role in forward[1]:
        moves.append(forward[0])
        if state in OPEN_STATES:
            moves.append(S.REJECTED)
    return moves


def refusal(state: str, to: str, role: str) -> tuple[str, bool] | None:
    """Why a move is not allowed (message, True when it is the role that is wrong), or None."""
    if to not in S.values:
        return f"未知的状态：{to[:30]}。", False
    forward = FORWARD.get(state)
    if forward is None:
        return f"案件已{S(state).label}，不能再流转。", False
    if to == S.REJECTED and state not in OPEN_STATES:
        return "案件已审批完毕，不能再驳回。", False
    if to not in (forward[0], S.REJECTED):
        return f"案件当前为“{S(state).label}”，下一步只能是“{forward[0].label}”（不能跳过或退回）。", False
    if role not in forward[1]:
        who = "、".join(Role(r).label for r in forward[1])
        return f"这一步须由{who}办理。", True
    return None
