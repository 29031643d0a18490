"""The path of a service order (点单 → 派单 → 接单 → 完成 → 点评), and who may take each step. The one place
the rules live: services, pages, the API and the demo ask here (the shape of assistance/workflow.py).

The centre (街道志愿服务中心: the sub-district admin) dispatches to a team with a deadline; the team's leader
accepts or declines (the decline, with its reason, is kept in the history, and the order goes back to 点单 for
another dispatch); the leader records it done; staff rate it, or the resident through a single-use link."""

from jiedao.roles import Role
from jiedao.workflow import StatePath

from .choices import OrderState as S

FORWARD = {
    S.REQUESTED: (S.DISPATCHED, {Role.SUBDISTRICT_ADMIN}),
    S.DISPATCHED: (S.ACCEPTED, {Role.TEAM_LEADER}),
    S.ACCEPTED: (S.DONE, {Role.TEAM_LEADER}),
    S.DONE: (S.RATED, {Role.SUBDISTRICT_ADMIN, Role.COMMUNITY_STAFF}),
}
# Declined only while it waits for the team's answer.
OPEN_STATES = [S.DISPATCHED]
# Still with a team (a team leader sees its resident and address only while so), and how counts group states.
WITH_TEAM = [S.DISPATCHED, S.ACCEPTED]
FINISHED = [S.DONE, S.RATED]

PATH = StatePath(states=S, forward=FORWARD, open_states=OPEN_STATES, rejected=S.DECLINED, noun="服务单",
                 closed_to_rejection="{noun}已接单，不能再拒单。")
allowed_moves = PATH.allowed_moves
refusal = PATH.refusal
waiting_for = PATH.waiting_for
