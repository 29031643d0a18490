"""Pinyin keys for searching names: 张春露 → ("zhangchunlu", "zcl")."""

import re
from functools import lru_cache

from pypinyin import lazy_pinyin

# Surnames that pypinyin reads with their common, not their surname, reading (单 dan for shan, 曾 ceng for
# zeng, …; docs/stack-notes.md, "Pinyin of names").
SURNAME_READINGS = {
    "万俟": ["mo", "qi"], "尉迟": ["yu", "chi"], "长孙": ["zhang", "sun"],
    "单": ["shan"], "曾": ["zeng"], "解": ["xie"], "朴": ["piao"], "区": ["ou"], "仇": ["qiu"],
    "查": ["zha"], "乐": ["yue"], "盖": ["ge"], "种": ["chong"], "覃": ["qin"], "尉": ["yu"],
    "员": ["yun"], "召": ["shao"], "缪": ["miao"], "繁": ["po"],
}


@lru_cache(maxsize=50_000)
def name_keys(name: str) -> tuple[str, str]:
    """(full pinyin, initials), lower case, with the surname read as a surname.

    Latin letters in a name (foreigners' permanent residence cards: "John Smith", "阿卜杜·Ali") are
    kept as words of their own, so "johnsmith" and "js" find them too; other scripts are dropped.
    """
    name = (name or "").strip()
    head: list[str] = []
    for surname, reading in SURNAME_READINGS.items():  # two-character surnames come first
        if name.startswith(surname):
            head, name = list(reading), name[len(surname):]
            break
    words: list[str] = list(head)
    for chunk in lazy_pinyin(name, errors="default"):
        words.extend(re.findall(r"[a-z]+", chunk.lower()))
    return "".join(words), "".join(w[0] for w in words)
