"""The roles an account can hold (DESIGN.md's table). Who may do what is decided in jiedao.scope."""

from django.db import models


class Role(models.TextChoices):
    DISTRICT_OFFICER = "district_officer", "区民政局"
    SUBDISTRICT_ADMIN = "subdistrict_admin", "街道管理员"
    SUBDISTRICT_LEADER = "subdistrict_leader", "街道领导"
    COMMUNITY_STAFF = "community_staff", "社区工作人员"
    GRID_WORKER = "grid_worker", "网格员"
    POINT_OPERATOR = "point_operator", "服务点工作人员"
    SECURITY_ADMIN = "security_admin", "安全管理员"
    AUDITOR = "auditor", "审计员"
    # Leads a volunteer team (服务队): its orders, activities, pairings and members; of the registry only what
    # an order or pairing of the team needs while it is the team's (jiedao.scope.is_team_leader).
    TEAM_LEADER = "team_leader", "服务队队长"
