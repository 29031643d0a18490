"""The menu: the pages each role works from, in the order of a working day.

An entry is offered to exactly the accounts its page admits: the menu asks the page's own view
(`RoleRequiredMixin.opens_for`), so the two never disagree and no role predicate is written twice. The
entries name URLs, not apps (the base layer imports none); tests/jiedao/test_menu.py checks that every
page a role may open without parameters is in its menu.
"""

from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, resolve, reverse

MENU = (
    ("今日走访", "visits:day"),
    ("助餐登记", "care:checkin"),
    ("送餐", "care:deliveries"),
    ("我的服务单", "volunteers:leader"),
    ("提醒", "inbox"),
    ("数据看板", "dashboard"),
    ("月报", "reports"),
    ("居民", "residents:resident_list"),
    ("户", "residents:household_list"),
    ("导入台账", "residents:import_list"),
    ("走访概况", "visits:overview"),
    ("走访记录", "visits:list"),
    ("隐患", "visits:hazards"),
    ("救助", "assistance:case_list"),
    ("救助发放", "assistance:disbursement_list"),
    ("救助标准", "assistance:settings"),
    ("微心愿", "assistance:wish_list"),
    ("营养包", "children:delivery_list"),
    ("营养包计划", "children:plan_list"),
    ("助餐", "care:stats"),
    ("助餐记录", "care:meal_list"),
    ("助餐价格", "care:pricing"),
    ("服务登记", "care:enrolments"),
    ("志愿者", "volunteers:volunteer_list"),
    ("服务队", "volunteers:team_list"),
    ("服务单", "volunteers:order_list"),
    ("志愿活动", "volunteers:activity_list"),
    ("结对", "volunteers:pairing_list"),
    ("服务项目", "volunteers:service_kinds"),
    ("志愿时长上报", "volunteers:national_export"),
    ("儿童课程", "children:programme_list"),
    ("儿童报名", "children:enrolment_list"),
    ("连续缺勤", "children:absences"),
    ("服务点", "residents:points"),
    ("探访规则", "visits:rules"),
    ("社区", "manage:communities"),
    ("网格", "manage:grids"),
    ("账号", "manage:users"),
    ("审计日志", "audit_log"),
)


def _admits(view, user) -> bool:
    return view is None or not hasattr(view, "opens_for") or view().opens_for(user)


def opens_for(url: str, user) -> bool:
    """Whether the page at `url` admits `user` (a view without a role rule admits every signed-in user)."""
    return _admits(getattr(resolve(url).func, "view_class", None), user)


@lru_cache(maxsize=8)
def _entries(urlconf, prefix) -> tuple:
    """(label, name, url, view class) of every entry. Reversing and resolving the 39 URLs was a fifth of a list
    page's rendering; they change only with the URLconf and the script prefix, which key this cache."""
    found = []
    for label, name in MENU:
        url = reverse(name, urlconf=urlconf)
        found.append((label, name, url, getattr(resolve(url, urlconf=urlconf).func, "view_class", None)))
    return tuple(found)


def paths() -> Callable[[str], str]:
    """path(name): reverse(name) of a URL that takes no arguments, once per URLconf and script prefix, the two
    read once for all the paths asked of it: reading them (thread- and context-local) was most of a path's cost,
    and the district's dashboard links some 13,000 cells to a handful of lists."""
    urlconf, prefix = get_urlconf() or settings.ROOT_URLCONF, get_script_prefix()
    return lambda name: _path(name, urlconf, prefix)


@lru_cache(maxsize=256)
def _path(name: str, urlconf, prefix: str) -> str:
    return reverse(name, urlconf=urlconf)


def menu_for(user, *, badges: dict[str, int] | None = None) -> list[dict]:
    """Every entry `user` may open: its label, its url and the count to show beside it (`badges` by URL
    name: the unread reminders on 提醒)."""
    badges = badges or {}
    entries = _entries(get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    return [{"label": label, "url": url, "badge": badges.get(name, 0)}
            for label, name, url, view in entries if _admits(view, user)]
