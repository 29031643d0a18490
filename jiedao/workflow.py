"""A path of states written once as data, with who may take each step and why a move is refused.

Relief cases run on one today (assistance/workflow.py); service orders and wishes follow the same shape.
Services, pages and the API ask the path; none of them decides a move for itself.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import models

from .roles import Role


@dataclass(frozen=True)
class StatePath:
    """`forward`: state → (the next state, the roles that may move there). A record can be turned down
    (`rejected`) from any of `open_states` by the role of the step it waits for. No skipping, no going
    back, nothing after the end."""

    states: type[models.TextChoices]
    forward: dict
    open_states: Sequence[str] = ()
    rejected: str | None = None
    noun: str = ""  # what moves, as the messages name it ("案件")
    # Why `rejected` is refused outside `open_states` (a case: approved already; an order: accepted already).
    closed_to_rejection: str = "{noun}已审批完毕，不能再驳回。"

    def allowed_moves(self, state: str, role: str) -> list[str]:
        """The states a user of `role` may move a record in `state` to."""
        moves = []
        forward = self.forward.get(state)
        if forward and role in forward[1]:
            moves.append(forward[0])
            if self.rejected and state in self.open_states:
                moves.append(self.rejected)
        return moves

    def waiting_for(self, state: str) -> str:
        """Whose move it is in `state`, as a page says it: "待街道审核（街道管理员）"; at the end of the path,
        where it ended ("已结案", "已驳回"). A state's label names the step already taken (社区初审 = reviewed
        by the community), so a page that showed only the label read as if the case still waited there."""
        label = dict(self.states.choices)
        forward = self.forward.get(state)
        if forward is None:
            return f"已{label.get(state, state)}"
        who = "、".join(Role(r).label for r in sorted(forward[1]))
        return f"待{label[forward[0]]}（{who}）"

    def refusal(self, state: str, to: str, role: str) -> tuple[str, bool] | None:
        """Why a move is not allowed (message, True when it is the role that is wrong), or None."""
        label = dict(self.states.choices)
        if to not in label:
            return f"未知的状态：{to[:30]}。", False
        forward = self.forward.get(state)
        if forward is None:
            return f"{self.noun}已{label[state]}，不能再流转。", False
        if to == self.rejected and state not in self.open_states:
            return self.closed_to_rejection.format(noun=self.noun), False
        if to not in (forward[0], self.rejected):
            return f"{self.noun}当前为“{label[state]}”，下一步只能是“{label[forward[0]]}”（不能跳过或退回）。", False
        if role not in forward[1]:
            who = "、".join(Role(r).label for r in forward[1])
            return f"这一步须由{who}办理。", True
        return None
