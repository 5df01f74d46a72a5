"""Plausible Chinese names for synthetic people: surname + given name from short lists.

The surnames are the most frequent in China (and in Sichuan), weighted roughly by
frequency; given names differ by generation and sex, so that a child is called 梓涵 or
浩宇 and a grandmother 秀英. Names are drawn from these lists only: the demo must never
resemble a real person's file more than by chance.
"""

from __future__ import annotations

import random
from itertools import accumulate


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# (surname, relative weight): the top surnames, with Sichuan's 罗 and 邓 a little higher.
_SURNAMES = tuple(
    (item[0], int(item[1:]))
    for item in _words(
        "王72 李70 张68 刘53 陈46 杨32 黄24 赵21 吴20 周19 徐14 孙13 马12 朱12 胡11 "
        "郭11 何12 林9 罗12 高9 郑7 梁7 谢7 宋6 唐8 许5 邓8 冯5 韩5 曹5 曾6 彭6 肖5 蔡4 "
        "潘4 田4 董4 袁4 于4 余5 叶4 蒋4 杜4 苏3 魏3 程3 吕3 丁3 沈3 任3 姚3 卢3 钟3 姜3 "
        "崔2 谭3 廖3 范2 汪2 陆2 金2 石2 戴2 贾2 韦2 夏2 付2 方2 邹2 熊2 白2 孟2 秦2 邱2 "
        "侯2 江2 尹2 薛2 黎1 雷2 龙1 文1 向1 兰1 敖1"
    )
)
SURNAMES = tuple(s for s, _ in _SURNAMES)
_SURNAME_CUM = tuple(accumulate(w for _, w in _SURNAMES))

# Given names of children born 2008–2026.
CHILD_BOY = _words(
    "浩宇 子轩 宇轩 浩然 梓睿 俊杰 子涵 一诺 宇航 思远 博文 皓轩 "
    "明轩 子墨 梓豪 天佑 俊熙 晨阳 家豪 嘉乐 宇 杰 涛 鑫 磊 航 "
    "睿 阳 帅 鹏 铭泽 锦程 书恒 泽宇 文博 雨泽 承泽 沐宸 奕辰 "
    "景行 俊豪 志强 家乐 鸿宇 昊天 宇豪 永康 建宇 子豪 奕航"
)
CHILD_GIRL = _words(
    "欣怡 梓涵 诗涵 子涵 雨涵 可馨 一诺 语桐 梓萱 思琪 若曦 佳怡 "
    "紫涵 欣妍 雨欣 梦瑶 晨曦 静怡 雅琪 心怡 婷 雪 琳 悦 敏 颖 "
    "倩 洁 丹 瑶 芷若 语嫣 沐晴 安然 思彤 佳琪 雨桐 欣然 梓琪 "
    "诗琪 晓雨 丽娟 春燕 小雪 金凤 玉洁 巧玲 梦洁 雨婷 馨月"
)
# Parents born 1970–2002.
ADULT_MAN = _words(
    "建华 志强 国庆 海军 勇 伟 军 强 斌 涛 建国 德华 永红 光明 "
    "小兵 洪波 文华 明 刚 林 建军 春林 学军 红兵 兴华 家明 平 "
    "波 超 亮 俊 飞 宏伟 文军 德明 海涛 永强 云峰 东 成"
)
ADULT_WOMAN = _words(
    "秀英 丽 芳 娟 敏 静 燕 艳 琴 霞 桂芳 玉兰 小红 春梅 海燕 "
    "晓燕 丽娟 红梅 淑芬 翠花 莉 英 梅 兰 萍 玲 华 慧 琼 凤 "
    "小琴 建英 秀兰 玉梅 德芳 永芬 学英 金花 素珍 晓琴"
)
# Grandparents born 1935–1975.
ELDER_MAN = _words(
    "德贵 福全 开明 正清 树林 绍华 世明 国富 长春 发全 永福 德荣 "
    "志忠 文成 学文 光荣 兴发 明德 仁贵 万福"
)
ELDER_WOMAN = _words(
    "秀珍 淑珍 桂英 玉珍 素芳 秀芳 凤英 桂兰 翠英 玉华 德秀 金莲 "
    "秀琼 素华 明珍 光秀 兴琼 世英 国珍 淑华"
)


def surname(rng: random.Random) -> str:
    return rng.choices(SURNAMES, cum_weights=_SURNAME_CUM)[0]


def given(rng: random.Random, pool: tuple[str, ...]) -> str:
    return pool[int(rng.random() * len(pool))]
