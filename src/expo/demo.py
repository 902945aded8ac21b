"""Demo data behind ``flask --app expo seed-demo``: what a newcomer sees first.

Every row is looked up by a natural key (users by email, enterprises by credit code,
campaigns by kind, year and Chinese title, events by campaign and Chinese title, agenda
sessions by event, start and Chinese title, delegations by Chinese title) and created
only when missing, so running the command again creates nothing. A delegation is made
whole through the delegation services, members and itinerary included, or not at all.
``seed_demo`` flushes; the command commits.

Times in the tables are wall-clock times where the event happens, converted to UTC with
the event's IANA zone; an itinerary item's times are those of each of its ends (a flight
leaves in Asia/Shanghai and lands in Europe/Berlin), converted by the services. Web
sites and e-mail addresses use the reserved ``.example`` and ``.localhost`` names, so
nothing sent from a demo can reach a real company.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple, TypeVar
from zoneinfo import ZoneInfo

from expo.accounts.models import Role, User
from expo.delegations.models import (
    Delegation,
    DelegationStatus,
    Direction,
    ItemKind,
    MemberRole,
)
from expo.enterprises.credit_codes import build_credit_code
from expo.enterprises.models import Enterprise
from expo.events.models import (
    AgendaSession,
    Campaign,
    CampaignKind,
    Event,
    EventKind,
    Moderation,
    PublicationStatus,
    Question,
)
from expo.extensions import db

Model = TypeVar("Model", bound=db.Model)

# --- users -----------------------------------------------------------------------------


class _DemoUser(NamedTuple):
    role: Role
    email: str
    password: str
    name: str
    enterprise: str = ""  # name_zh of the enterprise the user acts for


_USERS: tuple[_DemoUser, ...] = (
    _DemoUser(Role.ADMIN, "admin@expo.localhost", "demo-admin-2023", "李明"),
    # Staff of the foreign trade division of the provincial commerce department.
    _DemoUser(Role.ORGANIZER, "organizer@expo.localhost", "demo-organizer-2023", "张晓燕"),
    _DemoUser(
        Role.ENTERPRISE,
        "enterprise@expo.localhost",
        "demo-enterprise-2023",
        "陈静",
        enterprise="成都智越新能源汽车零部件有限公司",
    ),
)

DEMO_LOGINS: list[tuple[str, str, str]] = [
    (user.role.value, user.email, user.password) for user in _USERS
]

# --- enterprises -----------------------------------------------------------------------


class _DemoEnterprise(NamedTuple):
    prefecture: str  # administrative code from expo.enterprises.prefectures
    organization: str  # the eight digits of the organization code before its check digit
    industry: str
    export_usd: int
    import_usd: int
    markets: str  # ISO 3166 codes separated by spaces
    standing: str  # "key" (千户重点, verified), "verified" or "unverified"
    name_zh: str
    name_en: str
    products_zh: str
    products_en: str
    contact: str
    domain: str


# fmt: off
_ENTERPRISES: tuple[_DemoEnterprise, ...] = (
    _DemoEnterprise("510100", "20184736", "electronics", 48_600_000, 31_200_000, "DE KR VN MX",
                    "key", "成都蓉芯微电子科技有限公司",
                    "Chengdu Rongxin Microelectronics Technology Co., Ltd.",
                    "功率半导体器件、车规级芯片", "Power semiconductors, automotive-grade chips",
                    "刘思远", "rongxin-micro"),
    _DemoEnterprise("510100", "27390518", "machinery", 26_400_000, 8_900_000, "FR DE GB",
                    "verified", "成都天府航空零部件制造有限公司",
                    "Chengdu Tianfu Aviation Components Manufacturing Co., Ltd.",
                    "航空结构件、精密钣金件", "Aerostructure parts, precision sheet-metal parts",
                    "王海涛", "tianfu-aero"),
    _DemoEnterprise("510100", "33651842", "food", 12_800_000, 600_000, "US CA AU MY SG",
                    "key", "四川川味坊食品有限公司", "Sichuan Chuanweifang Food Co., Ltd.",
                    "火锅底料、复合调味料", "Hotpot soup base, compound seasonings",
                    "赵敏", "chuanweifang"),
    _DemoEnterprise("510100", "41207395", "textiles", 3_500_000, 200_000, "JP FR IT AE",
                    "unverified", "成都锦江蜀锦织造有限公司",
                    "Chengdu Jinjiang Shu Brocade Weaving Co., Ltd.",
                    "蜀锦面料、丝绸服饰", "Shu brocade fabrics, silk apparel",
                    "黄丽", "jinjiang-brocade"),
    _DemoEnterprise("510100", "52918460", "pharmaceuticals", 21_000_000, 9_500_000,
                    "IN DE BR PK", "verified", "成都西岭生物医药有限公司",
                    "Chengdu Xiling Biopharmaceutical Co., Ltd.",
                    "原料药、中药提取物", "Active pharmaceutical ingredients, herbal extracts",
                    "孙浩", "xiling-bio"),
    _DemoEnterprise("510100", "60473128", "automotive", 35_700_000, 14_300_000, "HU TH ID BR",
                    "key", "成都智越新能源汽车零部件有限公司",
                    "Chengdu Zhiyue New Energy Auto Parts Co., Ltd.",
                    "电驱动总成、动力电池包", "Electric drive units, traction battery packs",
                    "陈静", "zhiyue-auto"),
    _DemoEnterprise("510300", "21836574", "chemicals", 19_800_000, 6_700_000, "IN VN TR BR",
                    "key", "自贡盐都化工有限公司", "Zigong Yandu Chemical Co., Ltd.",
                    "工业盐、氯碱产品、氟化工中间体",
                    "Industrial salt, chlor-alkali products, fluorochemical intermediates",
                    "罗建平", "yandu-chem"),
    _DemoEnterprise("510300", "34720961", "culture", 6_200_000, 100_000, "US GB NL AU NZ",
                    "verified", "自贡灯彩文化产业有限公司",
                    "Zigong Lantern Culture Industry Co., Ltd.",
                    "大型灯组、节庆彩灯", "Large lantern installations, festival lanterns",
                    "曾雪梅", "zigong-lanterns"),
    _DemoEnterprise("510300", "45092317", "machinery", 9_400_000, 1_800_000, "SA AE KZ NG",
                    "unverified", "自贡川南阀门有限公司", "Zigong Chuannan Valve Co., Ltd.",
                    "工业阀门、离心泵", "Industrial valves, centrifugal pumps",
                    "钟伟", "chuannan-valve"),
    _DemoEnterprise("510400", "26519083", "metals", 57_300_000, 22_800_000, "IN KR JP DE US",
                    "key", "攀枝花钒钛新材料有限公司",
                    "Panzhihua Vanadium-Titanium New Materials Co., Ltd.",
                    "五氧化二钒、钒氮合金、钛白粉",
                    "Vanadium pentoxide, vanadium-nitrogen alloy, titanium dioxide",
                    "杨国庆", "pzh-vanti"),
    _DemoEnterprise("510400", "38146205", "agriculture", 2_400_000, 0, "KZ AE SG MY",
                    "verified", "攀枝花阳光芒果农业开发有限公司",
                    "Panzhihua Sunshine Mango Agricultural Development Co., Ltd.",
                    "鲜食芒果、芒果干", "Fresh mangoes, dried mango",
                    "吴芳", "sunshine-mango"),
    _DemoEnterprise("510500", "29463817", "liquor", 8_900_000, 300_000, "US KR SG AU DE",
                    "key", "泸州醇窖酒业有限公司", "Luzhou Chunjiao Liquor Co., Ltd.",
                    "浓香型白酒", "Strong-aroma baijiu",
                    "先志强", "chunjiao-liquor"),
    _DemoEnterprise("510500", "47305629", "machinery", 15_600_000, 4_200_000, "UZ KZ PK ID",
                    "verified", "泸州川江液压机械有限公司",
                    "Luzhou Chuanjiang Hydraulic Machinery Co., Ltd.",
                    "液压元件、小型挖掘机", "Hydraulic components, compact excavators",
                    "何军", "chuanjiang-hydraulic"),
    _DemoEnterprise("510600", "20751936", "machinery", 86_500_000, 27_100_000, "PK BR VN TR UZ",
                    "key", "德阳重型装备制造有限公司",
                    "Deyang Heavy Equipment Manufacturing Co., Ltd.",
                    "水轮发电机组、大型锻件", "Hydro turbine-generator units, heavy forgings",
                    "邓志刚", "deyang-heavy"),
    _DemoEnterprise("510600", "36284170", "machinery", 23_900_000, 11_400_000, "DE SA AE KZ",
                    "verified", "德阳天元清洁能源装备有限公司",
                    "Deyang Tianyuan Clean Energy Equipment Co., Ltd.",
                    "燃气轮机部件、氢能储运装备",
                    "Gas turbine components, hydrogen storage and transport equipment",
                    "唐磊", "tianyuan-energy"),
    _DemoEnterprise("510600", "58017342", "culture", 600_000, 0, "JP FR SG",
                    "unverified", "德阳绵竹年画文化有限公司",
                    "Deyang Mianzhu New Year Prints Culture Co., Ltd.",
                    "绵竹木版年画、文创产品", "Mianzhu woodblock New Year prints, gift items",
                    "蒋红", "mianzhu-prints"),
    _DemoEnterprise("510700", "24890513", "electronics", 72_400_000, 38_600_000,
                    "ID PH MX NG BR", "key", "绵阳科技城智能终端有限公司",
                    "Mianyang Science City Smart Devices Co., Ltd.",
                    "智能电视、显示模组", "Smart TVs, display modules",
                    "苏晓东", "kjc-smart"),
    _DemoEnterprise("510700", "43561928", "chemicals", 31_000_000, 19_700_000, "KR JP DE",
                    "verified", "绵阳涪城新材料有限公司",
                    "Mianyang Fucheng New Materials Co., Ltd.",
                    "锂电池正极材料", "Cathode materials for lithium batteries",
                    "冯雨", "fucheng-materials"),
    _DemoEnterprise("510800", "31975604", "tea", 1_300_000, 0, "UZ MA DE",
                    "unverified", "广元米仓山茶业有限公司", "Guangyuan Micangshan Tea Co., Ltd.",
                    "米仓山绿茶、工夫红茶", "Micangshan green tea, Congou black tea",
                    "袁小芳", "micangshan-tea"),
    _DemoEnterprise("510900", "27648395", "chemicals", 44_200_000, 52_700_000,
                    "KR JP DE AU CL", "key", "遂宁锂电新能源材料有限公司",
                    "Suining Lithium New Energy Materials Co., Ltd.",
                    "电池级碳酸锂、氢氧化锂", "Battery-grade lithium carbonate, lithium hydroxide",
                    "谢明", "suining-lithium"),
    _DemoEnterprise("510900", "50827461", "food", 5_100_000, 2_300_000, "HK MO SG",
                    "unverified", "遂宁川中肉类食品有限公司",
                    "Suining Chuanzhong Meat Products Co., Ltd.",
                    "冷鲜猪肉、午餐肉罐头", "Chilled pork, canned luncheon meat",
                    "蒲勇", "chuanzhong-foods"),
    _DemoEnterprise("511000", "35209186", "automotive", 11_200_000, 1_600_000, "US MX DE TH",
                    "verified", "内江川威汽车零部件有限公司",
                    "Neijiang Chuanwei Auto Parts Co., Ltd.",
                    "汽车铸件、制动盘", "Automotive castings, brake discs",
                    "廖晓军", "chuanwei-parts"),
    _DemoEnterprise("511100", "22571648", "tea", 2_700_000, 0, "MA UZ DE JP",
                    "verified", "乐山峨秀茶业有限公司", "Leshan Exiu Tea Co., Ltd.",
                    "峨眉山绿茶、茶叶提取物", "Mount Emei green tea, tea extracts",
                    "周蓉", "exiu-tea"),
    _DemoEnterprise("511100", "46138259", "new_energy", 67_800_000, 15_900_000,
                    "VN MY TR IN DE", "key", "乐山嘉州光伏材料有限公司",
                    "Leshan Jiazhou Photovoltaic Materials Co., Ltd.",
                    "高纯多晶硅、单晶硅片", "High-purity polysilicon, monocrystalline wafers",
                    "胡斌", "jiazhou-pv"),
    _DemoEnterprise("511300", "39416072", "textiles", 9_800_000, 700_000, "IT FR IN JP",
                    "verified", "南充嘉陵丝绸有限公司", "Nanchong Jialing Silk Co., Ltd.",
                    "桑蚕丝、真丝面料", "Mulberry silk yarn, silk fabrics",
                    "任静", "jialing-silk"),
    _DemoEnterprise("511400", "28305714", "food", 4_600_000, 200_000, "KR JP US CA",
                    "verified", "眉山东坡泡菜食品有限公司",
                    "Meishan Dongpo Pickles Food Co., Ltd.",
                    "四川泡菜、郫县风味豆瓣酱", "Sichuan pickles, chili bean paste",
                    "李春燕", "dongpo-pickles"),
    _DemoEnterprise("511500", "23067849", "liquor", 13_200_000, 400_000, "KR SG MY US GB",
                    "key", "宜宾岷江酒业有限公司", "Yibin Minjiang Liquor Co., Ltd.",
                    "浓香型白酒、低度果酒", "Strong-aroma baijiu, low-alcohol fruit wine",
                    "邱文", "minjiang-liquor"),
    _DemoEnterprise("511500", "54702318", "new_energy", 95_300_000, 33_500_000, "DE HU AU US",
                    "key", "宜宾三江动力电池有限公司", "Yibin Sanjiang Power Battery Co., Ltd.",
                    "磷酸铁锂电池、储能系统", "LFP battery cells, energy storage systems",
                    "马超", "sanjiang-battery"),
    _DemoEnterprise("511600", "37150964", "electronics", 7_600_000, 5_300_000, "VN TH MX",
                    "unverified", "广安川东电子科技有限公司",
                    "Guang'an Chuandong Electronics Technology Co., Ltd.",
                    "印制电路板、线束", "Printed circuit boards, wiring harnesses",
                    "秦亮", "chuandong-pcb"),
    _DemoEnterprise("511700", "42739185", "chemicals", 16_400_000, 3_100_000, "VN BD PK",
                    "verified", "达州普光天然气化工有限公司",
                    "Dazhou Puguang Natural Gas Chemical Co., Ltd.",
                    "甲醇、硫磺、合成氨", "Methanol, sulphur, synthetic ammonia",
                    "向东", "puguang-gaschem"),
    _DemoEnterprise("511800", "25936471", "tea", 3_900_000, 0, "UZ KZ DE US",
                    "key", "雅安蒙顶山茶业有限公司", "Ya'an Mengdingshan Tea Co., Ltd.",
                    "蒙顶甘露、雅安藏茶", "Mengding Ganlu green tea, Ya'an dark tea",
                    "高原", "mengdingshan-tea"),
    _DemoEnterprise("512000", "30681259", "agriculture", 5_700_000, 0, "KZ AE MY TH",
                    "verified", "资阳安岳柠檬产业有限公司", "Ziyang Anyue Lemon Industry Co., Ltd.",
                    "鲜柠檬、柠檬干片、柠檬精油", "Fresh lemons, dried lemon slices, lemon oil",
                    "刘红梅", "anyue-lemon"),
    _DemoEnterprise("513200", "48250736", "food", 800_000, 0, "SG MY NP",
                    "unverified", "阿坝高原食品有限公司", "Ngawa Plateau Foods Co., Ltd.",
                    "牦牛肉干、青稞制品", "Yak jerky, highland barley products",
                    "泽仁", "ngawa-foods"),
    _DemoEnterprise("513400", "26803947", "agriculture", 1_100_000, 0, "JP KR SG",
                    "verified", "凉山大凉山苦荞食品有限公司",
                    "Liangshan Daliangshan Tartary Buckwheat Foods Co., Ltd.",
                    "苦荞茶、苦荞挂面", "Tartary buckwheat tea, buckwheat noodles",
                    "阿苦", "daliangshan-buckwheat"),
)
# fmt: on

# Landline area codes; Meishan and Ziyang joined Chengdu's 028 in 2017.
_AREA_CODES = {
    "510100": "028",
    "510300": "0813",
    "510400": "0812",
    "510500": "0830",
    "510600": "0838",
    "510700": "0816",
    "510800": "0839",
    "510900": "0825",
    "511000": "0832",
    "511100": "0833",
    "511300": "0817",
    "511400": "028",
    "511500": "0831",
    "511600": "0826",
    "511700": "0818",
    "511800": "0835",
    "512000": "028",
    "513200": "0837",
    "513400": "0834",
}


def _enterprise_values(row: _DemoEnterprise) -> dict[str, Any]:
    area = _AREA_CODES[row.prefecture]
    return {
        "name_zh": row.name_zh,
        "name_en": row.name_en,
        "prefecture": row.prefecture,
        "industry": row.industry,
        "main_products_zh": row.products_zh,
        "main_products_en": row.products_en,
        "export_value_usd": Decimal(row.export_usd),
        "import_value_usd": Decimal(row.import_usd),
        "target_markets": row.markets.split(),
        "website": f"https://www.{row.domain}.example",
        "contact_name": row.contact,
        # Chengdu numbers have eight digits, the other prefectures seven.
        "contact_phone": f"{area}-{row.organization[: 8 if area == '028' else 7]}",
        "contact_email": f"trade@{row.domain}.example",
        "verified": row.standing in ("key", "verified"),
        "key_enterprise": row.standing == "key",
    }


# --- campaigns, events and their agenda ------------------------------------------------


class _DemoSession(NamedTuple):
    starts: str  # local "YYYY-MM-DD HH:MM"
    ends: str  # local "HH:MM" on the same day
    title_zh: str
    title_en: str
    place_zh: str
    place_en: str
    host_zh: str
    host_en: str


_COMMERCE = ("四川省商务厅", "Sichuan Provincial Department of Commerce")
_CCPIT = ("中国国际贸易促进委员会四川省委员会", "CCPIT Sichuan")

_GOING_GLOBAL_2023 = {
    "kind": CampaignKind.GOING_GLOBAL,
    "year": 2023,
    "title_zh": "2023年“川行天下”国际市场拓展活动",
    "title_en": "2023 Sichuan Going Global International Market Expansion Campaign",
    "summary_zh": (
        "为贯彻习近平总书记来川视察重要指示精神，加快构筑向西开放战略高地和参与国际竞争"
        "新基地，省商务厅大力推行“川行天下”国际市场拓展活动：组织四川外贸企业赴欧洲、"
        "中亚、中东、拉美、东南亚和非洲参展办会、开展供需对接，助力打造第三亚欧大陆桥"
        "国际贸易枢纽，与“千户重点外贸企业培育计划”协同推进，不断提高开放型经济水平。"
    ),
    "summary_en": (
        "To put into action the important instructions General Secretary Xi Jinping gave "
        "during his visit to Sichuan, and to build the province into a strategic hub for "
        "opening up westward and a new base for participating in international competition, "
        "the Sichuan Provincial Department of Commerce is vigorously carrying out the "
        "“Sichuan Going Global” international market expansion campaign. It takes Sichuan's "
        "foreign trade enterprises to trade fairs, matchmaking sessions and roadshows in "
        "Europe, Central Asia, the Middle East, Latin America, Southeast Asia and Africa, "
        "supports the third Eurasian Land Bridge international trade hub, and works hand in "
        "hand with the 1,000 Key Foreign Trade Enterprise Cultivation Program to keep raising "
        "the level of the open economy."
    ),
    "status": PublicationStatus.PUBLISHED,
    "events": (
        {
            "kind": EventKind.TRADE_FAIR,
            "title_zh": "2023中国（中东欧）品牌商品展览会·四川馆",
            "title_en": "China Brand Fair (Central and Eastern Europe) 2023 – Sichuan Pavilion",
            "description_zh": (
                "在匈牙利布达佩斯举办的中东欧地区规模最大的中国品牌商品展。四川馆集中展示"
                "汽车零部件、新能源、食品和轻工产品，面向匈牙利及周边国家采购商。"
            ),
            "description_en": (
                "The largest show of Chinese brands in Central and Eastern Europe, held in "
                "Budapest. The Sichuan Pavilion presents auto parts, new energy, food and "
                "light industry products to buyers from Hungary and its neighbours."
            ),
            "country": "HU",
            "city_zh": "布达佩斯",
            "city_en": "Budapest",
            "venue_zh": "匈牙利国际会展中心（Hungexpo）",
            "venue_en": "Hungexpo Budapest Congress and Exhibition Center",
            "timezone": "Europe/Budapest",
            "local_times": ("2023-06-07 09:00", "2023-06-09 17:00"),
            "registration": ("2023-03-01 09:00", "2023-04-28 18:00"),
            "capacity": 40,
            "max_delegates": 3,
            "moderation": Moderation.REVIEW,
            "fee_note_zh": "标准展位（9平方米）2,800欧元/个，含基本展具；差旅费由企业自理。",
            "fee_note_en": (
                "Standard booth (9 m²) EUR 2,800 with basic furniture; "
                "travel at the enterprise's own cost."
            ),
            "subsidy_note_zh": "省级外经贸发展专项资金补贴展位费的70%，每家企业最多2个展位。",
            "subsidy_note_en": (
                "The provincial foreign trade development fund covers 70% of the booth fee, "
                "for up to two booths per enterprise."
            ),
            "sessions": (
                _DemoSession(
                    "2023-06-07 09:30",
                    "10:30",
                    "开幕式暨四川馆开馆仪式",
                    "Opening ceremony and Sichuan Pavilion launch",
                    "A馆四川馆主舞台",
                    "Hall A, Sichuan Pavilion stage",
                    *_COMMERCE,
                ),
                _DemoSession(
                    "2023-06-07 14:00",
                    "17:00",
                    "川匈企业采购对接会",
                    "Sichuan–Hungary buyer matchmaking",
                    "A馆洽谈区",
                    "Hall A, meeting area",
                    *_CCPIT,
                ),
                _DemoSession(
                    "2023-06-08 10:00",
                    "12:00",
                    "中东欧市场准入与CE认证说明会",
                    "Briefing: market access and CE marking in Central and Eastern Europe",
                    "会议中心2号厅",
                    "Conference Centre, Room 2",
                    "匈牙利投资促进局",
                    "Hungarian Investment Promotion Agency (HIPA)",
                ),
            ),
        },
        {
            "kind": EventKind.B2B_MATCHMAKING,
            "title_zh": "四川—哈萨克斯坦经贸合作对接会",
            "title_en": "Sichuan–Kazakhstan Business Matchmaking",
            "description_zh": (
                "依托中欧班列（成都）中亚线路，组织机械、建材、食品企业与哈萨克斯坦采购商"
                "开展一对一洽谈，并考察阿拉木图批发市场和物流园区。"
            ),
            "description_en": (
                "Building on the Chengdu–Central Asia rail freight routes, machinery, building "
                "materials and food companies meet Kazakh buyers one to one and visit wholesale "
                "markets and logistics parks in Almaty."
            ),
            "country": "KZ",
            "city_zh": "阿拉木图",
            "city_en": "Almaty",
            "venue_zh": "阿塔肯特国际展览中心",
            "venue_en": "Atakent International Exhibition Centre",
            "timezone": "Asia/Almaty",
            "local_times": ("2023-09-12 09:30", "2023-09-13 18:00"),
            "registration": ("2023-06-15 09:00", "2023-08-18 18:00"),
            "capacity": 30,
            "max_delegates": 2,
            "moderation": Moderation.FIRST_COME,
            "fee_note_zh": "免收参会费；每家企业一张洽谈桌，俄语翻译200美元/天。",
            "fee_note_en": (
                "No participation fee; one meeting table per enterprise; "
                "Russian interpreters USD 200 a day."
            ),
            "subsidy_note_zh": "展品经中欧班列（成都）运输的，省级资金补贴运费的50%。",
            "subsidy_note_en": (
                "Provincial funds cover 50% of the freight for exhibits shipped by the "
                "China–Europe Railway Express from Chengdu."
            ),
            "sessions": (
                _DemoSession(
                    "2023-09-12 09:30",
                    "10:30",
                    "四川投资贸易环境推介",
                    "Presentation: trade and investment in Sichuan",
                    "1号馆会议厅",
                    "Pavilion 1, conference hall",
                    *_COMMERCE,
                ),
                _DemoSession(
                    "2023-09-12 11:00",
                    "17:30",
                    "一对一采购洽谈",
                    "One-to-one buyer meetings",
                    "1号馆洽谈区",
                    "Pavilion 1, meeting area",
                    "哈萨克斯坦国家企业家协会（Atameken）",
                    "National Chamber of Entrepreneurs of Kazakhstan “Atameken”",
                ),
                _DemoSession(
                    "2023-09-13 09:00",
                    "17:00",
                    "考察阿拉木图批发市场与物流园区",
                    "Site visits: wholesale markets and logistics parks",
                    "阿拉木图市区",
                    "Almaty city",
                    *_COMMERCE,
                ),
            ),
        },
        {
            "kind": EventKind.ROADSHOW,
            "title_zh": "“川行天下”中东路演（迪拜）",
            "title_en": "Sichuan Going Global Middle East Roadshow (Dubai)",
            "description_zh": (
                "在迪拜世界贸易中心举办四川产品推介与采购对接，面向海湾国家进口商、分销商"
                "和跨境电商平台，同期了解迪拜海外仓和自贸区政策。"
            ),
            "description_en": (
                "Product presentations and buyer meetings at the Dubai World Trade Centre for "
                "Gulf importers, distributors and cross-border e-commerce platforms, with an "
                "introduction to overseas warehouses and free zone rules in Dubai."
            ),
            "country": "AE",
            "city_zh": "迪拜",
            "city_en": "Dubai",
            "venue_zh": "迪拜世界贸易中心",
            "venue_en": "Dubai World Trade Centre",
            "timezone": "Asia/Dubai",
            "local_times": ("2023-10-16 10:00", "2023-10-17 18:00"),
            "registration": ("2023-07-03 09:00", "2023-09-15 18:00"),
            "capacity": 25,
            "max_delegates": 3,
            "moderation": Moderation.REVIEW,
            "fee_note_zh": "路演展示桌1,500美元/家，含推介时段10分钟。",
            "fee_note_en": "Display table USD 1,500 per enterprise, with a 10-minute pitch slot.",
            "subsidy_note_zh": "千户重点外贸企业全额补贴展示桌费用。",
            "subsidy_note_en": (
                "The display table is fully covered for enterprises of the 1,000 Key Foreign "
                "Trade Enterprise Cultivation Program."
            ),
            "sessions": (
                _DemoSession(
                    "2023-10-16 10:00",
                    "11:30",
                    "四川产品推介会",
                    "Sichuan products presentation",
                    "谢赫·拉希德厅",
                    "Sheikh Rashid Hall",
                    *_COMMERCE,
                ),
                _DemoSession(
                    "2023-10-16 14:00",
                    "17:30",
                    "中东采购商对接",
                    "Matchmaking with Middle East buyers",
                    "谢赫·拉希德厅",
                    "Sheikh Rashid Hall",
                    "迪拜商会",
                    "Dubai Chambers",
                ),
                _DemoSession(
                    "2023-10-17 10:00",
                    "12:00",
                    "跨境电商与海外仓专场",
                    "Cross-border e-commerce and overseas warehouses",
                    "会议室3",
                    "Meeting Room 3",
                    "四川省跨境电子商务协会",
                    "Sichuan Cross-border E-commerce Association",
                ),
            ),
        },
        {
            "kind": EventKind.TRADE_FAIR,
            "title_zh": "2023中国（巴西）贸易博览会·四川展区",
            "title_en": "China Trade Fair Brazil 2023 – Sichuan Section",
            "description_zh": (
                "拉美地区重要的中国商品专业展，四川展区以机电、汽车零部件、医药原料和"
                "食品为主，配套巴西进口许可与清关实务培训。"
            ),
            "description_en": (
                "A leading fair for Chinese goods in Latin America. The Sichuan section shows "
                "machinery, auto parts, pharmaceutical ingredients and food, with a workshop "
                "on Brazilian import licences and customs clearance."
            ),
            "country": "BR",
            "city_zh": "圣保罗",
            "city_en": "São Paulo",
            "venue_zh": "圣保罗会展中心（São Paulo Expo）",
            "venue_en": "São Paulo Expo",
            "timezone": "America/Sao_Paulo",
            "local_times": ("2023-08-29 10:00", "2023-08-31 19:00"),
            "registration": ("2023-05-08 09:00", "2023-07-14 18:00"),
            "capacity": 30,
            "max_delegates": 3,
            "moderation": Moderation.REVIEW,
            "fee_note_zh": "标准展位（9平方米）3,200美元/个。",
            "fee_note_en": "Standard booth (9 m²) USD 3,200.",
            "subsidy_note_zh": "省级资金补贴展位费的60%，并补贴每家企业1人次国际往返机票。",
            "subsidy_note_en": (
                "Provincial funds cover 60% of the booth fee and one return air ticket "
                "per enterprise."
            ),
            "sessions": (
                _DemoSession(
                    "2023-08-29 10:00",
                    "11:00",
                    "开幕式",
                    "Opening ceremony",
                    "主展厅",
                    "Main hall",
                    *_COMMERCE,
                ),
                _DemoSession(
                    "2023-08-30 14:00",
                    "16:00",
                    "巴西进口许可与清关实务",
                    "Workshop: Brazilian import licences and customs",
                    "会议室B",
                    "Meeting Room B",
                    "巴西中国工商总会",
                    "Brazil-China Chamber of Commerce and Industry",
                ),
            ),
        },
        {
            "kind": EventKind.CONFERENCE,
            "title_zh": "中国—印度尼西亚（四川）经贸合作论坛",
            "title_en": "China–Indonesia (Sichuan) Economic and Trade Cooperation Forum",
            "description_zh": (
                "围绕区域全面经济伙伴关系协定（RCEP）规则利用，探讨新能源、汽车零部件和"
                "农产品领域合作，论坛后安排企业洽谈。"
            ),
            "description_en": (
                "How to use the Regional Comprehensive Economic Partnership (RCEP) rules, "
                "with cooperation in new energy, auto parts and farm produce, followed by "
                "business meetings."
            ),
            "country": "ID",
            "city_zh": "雅加达",
            "city_en": "Jakarta",
            "venue_zh": "雅加达国际展览中心（JIExpo Kemayoran）",
            "venue_en": "Jakarta International Expo (JIExpo Kemayoran)",
            "timezone": "Asia/Jakarta",
            "local_times": ("2023-11-07 09:00", "2023-11-08 17:00"),
            "registration": ("2023-08-01 09:00", "2023-10-13 17:00"),
            "capacity": 60,
            "max_delegates": 5,
            "moderation": Moderation.FIRST_COME,
            "fee_note_zh": "论坛免收注册费。",
            "fee_note_en": "No registration fee.",
            "subsidy_note_zh": "省级资金补贴每家企业1人次国际往返机票。",
            "subsidy_note_en": "Provincial funds cover one return air ticket per enterprise.",
            "sessions": (
                _DemoSession(
                    "2023-11-07 09:00",
                    "12:00",
                    "主论坛：RCEP框架下的川印合作",
                    "Plenary: Sichuan–Indonesia cooperation under RCEP",
                    "大会议厅",
                    "Assembly hall",
                    "四川省商务厅、印度尼西亚工商会馆",
                    "Sichuan Department of Commerce and KADIN Indonesia",
                ),
                _DemoSession(
                    "2023-11-07 14:00",
                    "17:00",
                    "分论坛：新能源与汽车零部件",
                    "Parallel session: new energy and auto parts",
                    "会议室A",
                    "Meeting Room A",
                    *_CCPIT,
                ),
                _DemoSession(
                    "2023-11-08 09:30",
                    "16:00",
                    "企业一对一洽谈",
                    "One-to-one business meetings",
                    "洽谈区",
                    "Meeting area",
                    *_COMMERCE,
                ),
            ),
        },
        {
            "kind": EventKind.INVESTMENT_PROMOTION,
            "title_zh": "2023四川（法兰克福）投资贸易推介会",
            "title_en": "Sichuan Investment and Trade Promotion, Frankfurt 2023",
            "description_zh": (
                "向德国企业和金融机构推介四川产业园区与投资政策，举行合作项目签约，"
                "并为随团企业安排与德国企业的项目对接。"
            ),
            "description_en": (
                "Sichuan's industrial parks and investment policies presented to German "
                "companies and financial institutions, a signing ceremony for cooperation "
                "projects, and project meetings for the delegation's enterprises."
            ),
            "country": "DE",
            "city_zh": "法兰克福",
            "city_en": "Frankfurt am Main",
            "venue_zh": "法兰克福展览中心会议中心",
            "venue_en": "Congress Center Messe Frankfurt",
            "timezone": "Europe/Berlin",
            "local_times": ("2023-09-26 14:00", "2023-09-26 20:00"),
            "registration": ("2023-06-20 09:00", "2023-08-31 18:00"),
            "capacity": 20,
            "max_delegates": 2,
            "moderation": Moderation.REVIEW,
            "fee_note_zh": "不收取参会费，差旅费由企业自理。",
            "fee_note_en": "No participation fee; travel at the enterprise's own cost.",
            "subsidy_note_zh": "随团企业可申请省级外经贸专项资金补贴国际差旅费的50%。",
            "subsidy_note_en": (
                "Delegation members may claim 50% of international travel costs from the "
                "provincial foreign trade fund."
            ),
            "sessions": (
                _DemoSession(
                    "2023-09-26 14:00",
                    "15:30",
                    "四川投资环境推介",
                    "Presentation: investing in Sichuan",
                    "会议中心大厅",
                    "Congress Center, main hall",
                    "四川省商务厅、德国联邦外贸与投资署",
                    "Sichuan Department of Commerce and Germany Trade & Invest",
                ),
                _DemoSession(
                    "2023-09-26 15:45",
                    "17:30",
                    "合作项目签约与对接",
                    "Signing ceremony and project meetings",
                    "会议中心大厅",
                    "Congress Center, main hall",
                    *_COMMERCE,
                ),
                _DemoSession(
                    "2023-09-26 18:00",
                    "20:00",
                    "招待酒会",
                    "Networking reception",
                    "会议中心前厅",
                    "Congress Center, foyer",
                    *_CCPIT,
                ),
            ),
        },
        {
            "kind": EventKind.TRADE_FAIR,
            "title_zh": "2023中国（乌兹别克斯坦）商品展·四川馆",
            "title_en": "China Commodity Exhibition Uzbekistan 2023 – Sichuan Pavilion",
            "description_zh": (
                "面向中亚市场的综合性商品展，四川馆展示工程机械、农业机械、建材和茶叶，"
                "是开拓第三亚欧大陆桥沿线市场的重要平台。"
            ),
            "description_en": (
                "A general fair for the Central Asian market. The Sichuan Pavilion shows "
                "construction and farm machinery, building materials and tea along the third "
                "Eurasian Land Bridge."
            ),
            "country": "UZ",
            "city_zh": "塔什干",
            "city_en": "Tashkent",
            "venue_zh": "乌兹别克斯坦国家展览中心（Uzexpocentre）",
            "venue_en": "Uzexpocentre National Exhibition Complex",
            "timezone": "Asia/Tashkent",
            "local_times": ("2023-10-25 10:00", "2023-10-27 17:00"),
            "registration": ("2023-07-10 09:00", "2023-09-22 18:00"),
            "capacity": 35,
            "max_delegates": 3,
            "moderation": Moderation.REVIEW,
            "fee_note_zh": "标准展位（9平方米）1,800美元/个。",
            "fee_note_en": "Standard booth (9 m²) USD 1,800.",
            "subsidy_note_zh": "省级资金补贴展位费的70%；展品经中欧班列运输的另补贴运费30%。",
            "subsidy_note_en": (
                "Provincial funds cover 70% of the booth fee, and 30% of the freight for "
                "exhibits shipped by the China–Europe Railway Express."
            ),
            "sessions": (
                _DemoSession(
                    "2023-10-25 10:00",
                    "11:00",
                    "开幕式暨四川馆巡馆",
                    "Opening ceremony and Sichuan Pavilion tour",
                    "1号馆",
                    "Pavilion 1",
                    *_COMMERCE,
                ),
                _DemoSession(
                    "2023-10-26 10:00",
                    "13:00",
                    "中乌农机与工程机械采购对接",
                    "Matchmaking: farm and construction machinery buyers",
                    "会议厅",
                    "Conference hall",
                    "乌兹别克斯坦工商会",
                    "Chamber of Commerce and Industry of Uzbekistan",
                ),
            ),
        },
        {
            "kind": EventKind.TRADE_FAIR,
            "title_zh": "2023中国（肯尼亚）贸易博览会·四川展区",
            "title_en": "China (Kenya) Trade Expo 2023 – Sichuan Section",
            "description_zh": (
                "东非地区的中国商品专业展，四川展区重点推介农业机械、家电、光伏和食品，"
                "配套东非共同体市场准入说明会。"
            ),
            "description_en": (
                "A fair for Chinese goods in East Africa. The Sichuan section features farm "
                "machinery, home appliances, solar products and food, with a briefing on access "
                "to the East African Community market."
            ),
            "country": "KE",
            "city_zh": "内罗毕",
            "city_en": "Nairobi",
            "venue_zh": "肯雅塔国际会议中心",
            "venue_en": "Kenyatta International Convention Centre (KICC)",
            "timezone": "Africa/Nairobi",
            "local_times": ("2023-12-05 09:00", "2023-12-07 17:00"),
            "registration": ("2023-09-01 09:00", "2023-11-03 18:00"),
            "capacity": 25,
            "max_delegates": 3,
            "moderation": Moderation.FIRST_COME,
            "fee_note_zh": "标准展位（9平方米）2,000美元/个。",
            "fee_note_en": "Standard booth (9 m²) USD 2,000.",
            "subsidy_note_zh": "省级资金补贴展位费的50%，首次开拓非洲市场的企业再补贴20%。",
            "subsidy_note_en": (
                "Provincial funds cover 50% of the booth fee, and a further 20% for "
                "enterprises new to the African market."
            ),
            "sessions": (
                _DemoSession(
                    "2023-12-05 09:30",
                    "10:30",
                    "开幕式",
                    "Opening ceremony",
                    "圆形会议厅",
                    "Amphitheatre",
                    "肯尼亚全国工商会",
                    "Kenya National Chamber of Commerce and Industry",
                ),
                _DemoSession(
                    "2023-12-06 10:00",
                    "12:00",
                    "东非共同体市场准入说明会",
                    "Briefing: access to the East African Community market",
                    "会议室2",
                    "Meeting Room 2",
                    "肯尼亚投资局",
                    "Kenya Investment Authority",
                ),
                _DemoSession(
                    "2023-12-06 14:00",
                    "17:00",
                    "采购商对接会",
                    "Buyer matchmaking",
                    "展区洽谈区",
                    "Exhibition meeting area",
                    *_COMMERCE,
                ),
            ),
        },
    ),
}

# Registration for the next season opens on 1 November 2026, local time of each event.
_NEXT_SEASON_OPENS = "2026-11-01 09:00"

_GOING_GLOBAL_2027 = {
    "kind": CampaignKind.GOING_GLOBAL,
    "year": 2027,
    "title_zh": "2027年“川行天下”国际市场拓展活动",
    "title_en": "2027 Sichuan Going Global International Market Expansion Campaign",
    "summary_zh": (
        "2027年“川行天下”国际市场拓展活动聚焦东盟、欧洲、中东和拉美重点市场，组织四川"
        "企业参加国际知名展会和经贸对接活动。各活动报名自2026年11月1日起开放，千户重点"
        "外贸企业优先安排展位，符合条件的企业可申请省级外经贸发展专项资金支持。"
    ),
    "summary_en": (
        "The 2027 Sichuan Going Global campaign focuses on ASEAN, Europe, the Middle East "
        "and Latin America, taking Sichuan enterprises to leading international trade fairs "
        "and business matchmaking. Registration for every event opens on 1 November 2026; "
        "enterprises of the 1,000 Key Foreign Trade Enterprise Cultivation Program get "
        "booths first, and eligible enterprises may apply for support from the provincial "
        "foreign trade development fund."
    ),
    "status": PublicationStatus.PUBLISHED,
    "events": (
        {
            "kind": EventKind.TRADE_FAIR,
            "title_zh": "2027中国（泰国）贸易博览会·四川馆",
            "title_en": "China (Thailand) Trade Fair 2027 – Sichuan Pavilion",
            "description_zh": (
                "东盟市场的中国商品综合展，四川馆展示新能源汽车零部件、电子产品、食品和"
                "茶叶，并举办RCEP原产地规则培训。"
            ),
            "description_en": (
                "A general fair for Chinese goods in the ASEAN market. The Sichuan Pavilion "
                "shows electric vehicle parts, electronics, food and tea, with training on "
                "RCEP rules of origin."
            ),
            "country": "TH",
            "city_zh": "曼谷",
            "city_en": "Bangkok",
            "venue_zh": "诗丽吉王后国家会议中心",
            "venue_en": "Queen Sirikit National Convention Center (QSNCC)",
            "timezone": "Asia/Bangkok",
            "local_times": ("2027-03-17 10:00", "2027-03-19 18:00"),
            "registration": (_NEXT_SEASON_OPENS, "2027-02-12 18:00"),
            "capacity": 40,
            "max_delegates": 3,
            "moderation": Moderation.FIRST_COME,
            "fee_note_zh": "标准展位（9平方米）2,500美元/个，光地展位280美元/平方米。",
            "fee_note_en": "Standard booth (9 m²) USD 2,500; raw space USD 280 per m².",
            "subsidy_note_zh": "省级资金补贴展位费的70%，每家企业最多2个展位。",
            "subsidy_note_en": (
                "Provincial funds cover 70% of the booth fee, for up to two booths per enterprise."
            ),
            "sessions": (
                _DemoSession(
                    "2027-03-17 10:00",
                    "11:00",
                    "开幕式",
                    "Opening ceremony",
                    "Plenary Hall",
                    "Plenary Hall",
                    *_COMMERCE,
                ),
                _DemoSession(
                    "2027-03-17 14:00",
                    "16:00",
                    "RCEP原产地规则与关税减让实务",
                    "Workshop: RCEP rules of origin and tariff cuts",
                    "会议室3",
                    "Meeting Room 3",
                    *_CCPIT,
                ),
                _DemoSession(
                    "2027-03-18 10:00",
                    "17:00",
                    "泰国采购商一对一洽谈",
                    "One-to-one meetings with Thai buyers",
                    "四川馆洽谈区",
                    "Sichuan Pavilion, meeting area",
                    "泰国工业联合会",
                    "Federation of Thai Industries",
                ),
            ),
        },
        {
            "kind": EventKind.TRADE_FAIR,
            "title_zh": "2027汉诺威工业博览会·四川展团",
            "title_en": "Hannover Messe 2027 – Sichuan Delegation",
            "description_zh": (
                "全球领先的工业技术展。四川展团以重大装备、清洁能源装备和电子信息产品为"
                "重点，组织企业参展并拜访德国工业企业。"
            ),
            "description_en": (
                "The world's leading industrial technology fair. The Sichuan delegation "
                "exhibits heavy equipment, clean energy equipment and electronics and visits "
                "German manufacturers."
            ),
            "country": "DE",
            "city_zh": "汉诺威",
            "city_en": "Hanover",
            "venue_zh": "汉诺威展览中心",
            "venue_en": "Hannover Exhibition Grounds (Deutsche Messe)",
            "timezone": "Europe/Berlin",
            "local_times": ("2027-04-12 09:00", "2027-04-16 18:00"),
            "registration": (_NEXT_SEASON_OPENS, "2027-02-26 18:00"),
            "capacity": 20,
            "max_delegates": 3,
            "moderation": Moderation.REVIEW,
            "fee_note_zh": "标准展位（12平方米）约6,500欧元/个，含展台搭建。",
            "fee_note_en": "Standard booth (12 m²) about EUR 6,500 including stand building.",
            "subsidy_note_zh": "省级资金补贴展位费的50%；千户重点外贸企业补贴70%。",
            "subsidy_note_en": (
                "Provincial funds cover 50% of the booth fee, 70% for key foreign trade "
                "enterprises."
            ),
            "sessions": (
                _DemoSession(
                    "2027-04-12 09:00",
                    "10:00",
                    "四川展团集体亮相",
                    "Sichuan delegation opening",
                    "四川展区",
                    "Sichuan exhibition area",
                    *_COMMERCE,
                ),
                _DemoSession(
                    "2027-04-13 14:00",
                    "16:30",
                    "中德智能制造合作交流会",
                    "China–Germany smart manufacturing exchange",
                    "会议中心",
                    "Convention Center",
                    "德国机械设备制造业联合会",
                    "VDMA (Mechanical Engineering Industry Association)",
                ),
                _DemoSession(
                    "2027-04-14 09:00",
                    "17:00",
                    "拜访下萨克森州工业企业",
                    "Company visits in Lower Saxony",
                    "汉诺威及周边",
                    "Hanover region",
                    *_CCPIT,
                ),
            ),
        },
        {
            "kind": EventKind.ROADSHOW,
            "title_zh": "“川行天下”沙特路演（利雅得）",
            "title_en": "Sichuan Going Global Roadshow in Riyadh",
            "description_zh": (
                "对接沙特“2030愿景”基础设施和新能源项目，推介四川装备、建材、光伏和"
                "储能产品，安排与沙特采购商和工程承包商洽谈。"
            ),
            "description_en": (
                "Sichuan equipment, building materials, solar and energy storage products "
                "for infrastructure and new energy projects under Saudi Vision 2030, with "
                "meetings with Saudi buyers and contractors."
            ),
            "country": "SA",
            "city_zh": "利雅得",
            "city_en": "Riyadh",
            "venue_zh": "利雅得国际会展中心",
            "venue_en": "Riyadh International Convention & Exhibition Center",
            "timezone": "Asia/Riyadh",
            "local_times": ("2027-05-18 10:00", "2027-05-19 17:00"),
            "registration": (_NEXT_SEASON_OPENS, "2027-04-09 18:00"),
            "capacity": 20,
            "max_delegates": 2,
            "moderation": Moderation.REVIEW,
            "fee_note_zh": "路演展示桌1,800美元/家。",
            "fee_note_en": "Display table USD 1,800 per enterprise.",
            "subsidy_note_zh": "省级资金补贴展示桌费用的70%及1人次国际往返机票。",
            "subsidy_note_en": (
                "Provincial funds cover 70% of the display table and one return air ticket."
            ),
            "sessions": (
                _DemoSession(
                    "2027-05-18 10:00",
                    "12:00",
                    "四川装备与新能源产品推介",
                    "Presentation: Sichuan equipment and new energy",
                    "1号厅",
                    "Hall 1",
                    *_COMMERCE,
                ),
                _DemoSession(
                    "2027-05-18 14:00",
                    "17:30",
                    "沙特采购商与工程承包商对接",
                    "Matchmaking with Saudi buyers and contractors",
                    "1号厅洽谈区",
                    "Hall 1, meeting area",
                    "沙特商会联合会",
                    "Federation of Saudi Chambers",
                ),
            ),
        },
        {
            "kind": EventKind.B2B_MATCHMAKING,
            "title_zh": "四川—墨西哥贸易对接会",
            "title_en": "Sichuan–Mexico Trade Matchmaking",
            "description_zh": (
                "面向北美供应链布局，组织汽车零部件、电子和机械企业与墨西哥制造商、"
                "分销商开展采购对接。"
            ),
            "description_en": (
                "For enterprises building North American supply chains: auto parts, "
                "electronics and machinery companies meet Mexican manufacturers and "
                "distributors."
            ),
            "country": "MX",
            "city_zh": "墨西哥城",
            "city_en": "Mexico City",
            "venue_zh": "墨西哥城Banamex会展中心",
            "venue_en": "Centro Banamex",
            "timezone": "America/Mexico_City",
            "local_times": ("2027-09-08 09:00", "2027-09-09 18:00"),
            "registration": (_NEXT_SEASON_OPENS, "2027-08-06 18:00"),
            "capacity": 30,
            "max_delegates": 3,
            "moderation": Moderation.FIRST_COME,
            "fee_note_zh": "洽谈桌800美元/家，含西班牙语翻译。",
            "fee_note_en": "Meeting table USD 800 per enterprise, Spanish interpreter included.",
            "subsidy_note_zh": "省级资金补贴洽谈桌费用的50%。",
            "subsidy_note_en": "Provincial funds cover 50% of the meeting table.",
            "sessions": (
                _DemoSession(
                    "2027-09-08 09:00",
                    "10:00",
                    "墨西哥市场与USMCA原产地规则",
                    "Briefing: the Mexican market and USMCA rules of origin",
                    "C厅",
                    "Hall C",
                    "墨西哥中国商会",
                    "Mexico–China Chamber of Commerce",
                ),
                _DemoSession(
                    "2027-09-08 10:30",
                    "17:30",
                    "一对一采购洽谈",
                    "One-to-one buyer meetings",
                    "C厅洽谈区",
                    "Hall C, meeting area",
                    *_COMMERCE,
                ),
            ),
        },
        {
            # Still being prepared: organizers see it, the public catalogue does not.
            "kind": EventKind.TRADE_FAIR,
            "title_zh": "2027中国（土耳其）贸易博览会·四川馆",
            "title_en": "China Trade Fair Türkiye 2027 – Sichuan Pavilion",
            "description_zh": (
                "连接欧亚的区域市场展会，四川馆拟展示纺织丝绸、化工产品和家居用品。"
            ),
            "description_en": (
                "A regional fair bridging Europe and Asia; the Sichuan Pavilion plans to show "
                "silk and textiles, chemicals and household goods."
            ),
            "country": "TR",
            "city_zh": "伊斯坦布尔",
            "city_en": "Istanbul",
            "venue_zh": "伊斯坦布尔会展中心",
            "venue_en": "Istanbul Expo Center",
            "timezone": "Europe/Istanbul",
            "local_times": ("2027-11-24 10:00", "2027-11-26 18:00"),
            "registration": (_NEXT_SEASON_OPENS, "2027-10-15 18:00"),
            "capacity": 30,
            "max_delegates": 3,
            "moderation": Moderation.REVIEW,
            "fee_note_zh": "展位费待主办方确认。",
            "fee_note_en": "Booth fee to be confirmed by the fair organizer.",
            "subsidy_note_zh": "补贴比例待省级资金年度计划下达后公布。",
            "subsidy_note_en": (
                "The subsidy share will be announced with the provincial fund's annual plan."
            ),
            "status": PublicationStatus.DRAFT,
            "sessions": (
                _DemoSession(
                    "2027-11-24 10:00",
                    "11:00",
                    "开幕式",
                    "Opening ceremony",
                    "1号馆",
                    "Hall 1",
                    *_COMMERCE,
                ),
                _DemoSession(
                    "2027-11-25 14:00",
                    "17:00",
                    "土耳其采购商对接会",
                    "Matchmaking with Turkish buyers",
                    "会议室5",
                    "Meeting Room 5",
                    *_CCPIT,
                ),
            ),
        },
    ),
}

_IMPORT_EXPANSION_2027 = {
    "kind": CampaignKind.IMPORT_EXPANSION,
    "year": 2027,
    "title_zh": "2027年四川扩大进口专项行动",
    "title_en": "2027 Sichuan Special Action to Expand Imports",
    "summary_zh": (
        "深入实施扩大进口专项行动，发挥第三亚欧大陆桥国际贸易枢纽作用，组织境外优质"
        "供应商与省内采购商精准对接，组建四川交易团参加中国国际进口博览会，扩大先进技术、"
        "重要装备、关键零部件、能源资源和优质消费品进口。"
    ),
    "summary_en": (
        "Under the special action to expand imports, and drawing on Sichuan's role as the "
        "third Eurasian Land Bridge international trade hub, the campaign brings quality "
        "overseas suppliers together with buyers in the province and leads the Sichuan "
        "trading delegation to the China International Import Expo, expanding imports of "
        "advanced technology, major equipment, key components, energy and resources, and "
        "quality consumer goods."
    ),
    "status": PublicationStatus.PUBLISHED,
    "events": (
        {
            "kind": EventKind.B2B_MATCHMAKING,
            "title_zh": "2027年进口商品采购对接会（成都）",
            "title_en": "Imported Goods Sourcing Matchmaking, Chengdu 2027",
            "description_zh": (
                "邀请欧洲、中亚和东盟供应商携设备、零部件、农食产品来川，与省内采购商"
                "一对一对接，并介绍进口贴息政策和中欧班列进口通道。"
            ),
            "description_en": (
                "Suppliers from Europe, Central Asia and ASEAN bring equipment, components "
                "and food to Chengdu to meet buyers from the province one to one, with "
                "briefings on import interest subsidies and rail import routes from Europe."
            ),
            "country": "CN",
            "city_zh": "成都",
            "city_en": "Chengdu",
            "venue_zh": "中国西部国际博览城",
            "venue_en": "Western China International Expo City",
            "timezone": "Asia/Shanghai",
            "local_times": ("2027-05-26 09:30", "2027-05-27 17:00"),
            "registration": (_NEXT_SEASON_OPENS, "2027-04-30 17:00"),
            "capacity": 50,
            "max_delegates": 4,
            "moderation": Moderation.FIRST_COME,
            "fee_note_zh": "省内采购商免费参加。",
            "fee_note_en": "Free for buyers from Sichuan.",
            "subsidy_note_zh": "进口先进设备和关键零部件的企业，可按规定申请省级进口贴息。",
            "subsidy_note_en": (
                "Enterprises importing advanced equipment or key components may apply for "
                "the provincial import interest subsidy under its rules."
            ),
            "sessions": (
                _DemoSession(
                    "2027-05-26 09:30",
                    "10:30",
                    "扩大进口政策解读",
                    "Briefing: import expansion policies",
                    "1号馆会议室",
                    "Hall 1, meeting room",
                    *_COMMERCE,
                ),
                _DemoSession(
                    "2027-05-26 11:00",
                    "17:00",
                    "境外供应商与采购商一对一洽谈",
                    "One-to-one meetings: overseas suppliers and Sichuan buyers",
                    "1号馆洽谈区",
                    "Hall 1, meeting area",
                    *_CCPIT,
                ),
                _DemoSession(
                    "2027-05-27 09:30",
                    "12:00",
                    "中欧班列进口通道与保税物流说明会",
                    "Briefing: rail import routes from Europe and bonded logistics",
                    "1号馆会议室",
                    "Hall 1, meeting room",
                    "成都国际铁路港",
                    "Chengdu International Railway Port",
                ),
            ),
        },
        {
            "kind": EventKind.TRADE_FAIR,
            "title_zh": "第十届中国国际进口博览会四川交易团",
            "title_en": "Sichuan Trading Delegation to the 10th China International Import Expo",
            "description_zh": (
                "组织省内采购商以专业观众身份参加进博会，集中采购先进装备、医疗器械、"
                "食品和消费品，并参加交易团签约仪式。"
            ),
            "description_en": (
                "Buyers from Sichuan visit the Import Expo as trade visitors, sourcing advanced "
                "equipment, medical devices, food and consumer goods, and join the delegation's "
                "signing ceremony."
            ),
            "country": "CN",
            "city_zh": "上海",
            "city_en": "Shanghai",
            "venue_zh": "国家会展中心（上海）",
            "venue_en": "National Exhibition and Convention Center (Shanghai)",
            "timezone": "Asia/Shanghai",
            "local_times": ("2027-11-05 09:00", "2027-11-10 17:00"),
            "registration": (_NEXT_SEASON_OPENS, "2027-09-30 17:00"),
            "capacity": 60,
            "max_delegates": 5,
            "moderation": Moderation.REVIEW,
            "fee_note_zh": "交易团成员免费办理专业观众证件，食宿交通自理。",
            "fee_note_en": (
                "Trade visitor badges are free for delegation members; board, lodging and "
                "travel at their own cost."
            ),
            "subsidy_note_zh": "达成进口合同的企业可按规定申请省级进口贴息。",
            "subsidy_note_en": (
                "Enterprises that sign import contracts may apply for the provincial import "
                "interest subsidy."
            ),
            "sessions": (
                _DemoSession(
                    "2027-11-05 09:00",
                    "10:00",
                    "四川交易团出征动员",
                    "Sichuan delegation briefing",
                    "国家会展中心南广场",
                    "NECC, South Plaza",
                    *_COMMERCE,
                ),
                _DemoSession(
                    "2027-11-06 14:00",
                    "16:00",
                    "四川交易团签约仪式",
                    "Sichuan delegation signing ceremony",
                    "洽谈室4.1",
                    "Meeting Room 4.1",
                    *_COMMERCE,
                ),
            ),
        },
    ),
}

CAMPAIGNS: tuple[dict[str, Any], ...] = (
    _GOING_GLOBAL_2023,
    _GOING_GLOBAL_2027,
    _IMPORT_EXPANSION_2027,
)

# --- seeding ---------------------------------------------------------------------------


def _utc(local: str, zone: str) -> datetime:
    """``"2023-06-07 09:00"`` on the wall clock in ``zone`` as an aware UTC datetime."""
    return datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    # Enum members become their values, so every database driver sees plain strings.
    return {
        key: value.value if isinstance(value, enum.Enum) else value for key, value in values.items()
    }


def _get_or_create(
    model: type[Model],
    lookup: dict[str, Any],
    values: dict[str, Any],
    on_create: Callable[[Model], None] | None = None,
) -> tuple[Model, bool]:
    """The row matching ``lookup``, or a new flushed one made of ``lookup`` and ``values``."""
    lookup = _plain(lookup)
    found = db.session.execute(db.select(model).filter_by(**lookup)).scalar_one_or_none()
    if found is not None:
        return found, False
    instance = model(**lookup, **_plain(values))
    if on_create is not None:
        on_create(instance)
    db.session.add(instance)
    db.session.flush()
    return instance, True


def _seed_enterprises() -> tuple[dict[str, Enterprise], bool]:
    by_name: dict[str, Enterprise] = {}
    created_any = False
    for row in _ENTERPRISES:
        enterprise, created = _get_or_create(
            Enterprise,
            {"credit_code": build_credit_code(row.prefecture, row.organization)},
            _enterprise_values(row),
        )
        by_name[row.name_zh] = enterprise
        created_any |= created
    return by_name, created_any


def _seed_users(enterprises: dict[str, Enterprise]) -> bool:
    created_any = False
    for demo_user in _USERS:
        enterprise = enterprises[demo_user.enterprise] if demo_user.enterprise else None
        _, created = _get_or_create(
            User,
            {"email": demo_user.email},
            {
                "name": demo_user.name,
                "role": demo_user.role,
                "locale": "zh",
                "enterprise_id": enterprise.id if enterprise else None,
            },
            on_create=lambda user, password=demo_user.password: user.set_password(password),
        )
        created_any |= created
    return created_any


def _seed_event(campaign: Campaign, data: dict[str, Any]) -> bool:
    zone = data["timezone"]
    values = {
        key: value
        for key, value in data.items()
        if key not in ("title_zh", "local_times", "registration", "sessions")
    }
    starts, ends = data["local_times"]
    opens, closes = data["registration"]
    values.update(
        starts_at=_utc(starts, zone),
        ends_at=_utc(ends, zone),
        registration_opens_at=_utc(opens, zone),
        registration_closes_at=_utc(closes, zone),
        status=data.get("status", PublicationStatus.PUBLISHED),
    )
    event, created_any = _get_or_create(
        Event, {"campaign_id": campaign.id, "title_zh": data["title_zh"]}, values
    )
    for session in data["sessions"]:
        day = session.starts.split()[0]
        _, created = _get_or_create(
            AgendaSession,
            {
                "event_id": event.id,
                "starts_at": _utc(session.starts, zone),
                "title_zh": session.title_zh,
            },
            {
                "ends_at": _utc(f"{day} {session.ends}", zone),
                "title_en": session.title_en,
                "place_zh": session.place_zh,
                "place_en": session.place_en,
                "host_zh": session.host_zh,
                "host_en": session.host_en,
            },
        )
        created_any |= created
    return created_any


# --- questions and applications ------------------------------------------------------

# The Hannover mission shows the whole review: custom questions and an application in
# every status, the demo enterprise's own approved.
_REVIEWED_EVENT = "2027汉诺威工业博览会·四川展团"
_QUESTIONS = (
    {
        "kind": "multiple_choice",
        "label_zh": "展品类别",
        "label_en": "Exhibit categories",
        "required": True,
        "choices": [
            {"value": "smart-equipment", "zh": "智能装备", "en": "Smart equipment"},
            {"value": "new-energy", "zh": "新能源", "en": "New energy"},
            {"value": "electronics", "zh": "电子信息", "en": "Electronics"},
        ],
    },
    {
        "kind": "yes_no",
        "label_zh": "是否需要德语翻译",
        "label_en": "Do you need a German interpreter?",
        "required": True,
    },
)
# (enterprise index in _ENTERPRISES or None for the demo user's, booths, status, reason)
_APPLICATIONS = (
    (None, 2, "approved", ""),
    (1, 2, "approved", ""),
    (9, 1, "pending", ""),
    (12, 1, "pending", ""),
    (15, 3, "waitlisted", ""),
    (18, 1, "rejected", "展品与本届展会主题不符。 / Exhibits do not match this fair's theme."),
    (21, 1, "withdrawn", ""),
    (24, 2, "cancelled", "企业未按期提交参展资料。 / Exhibitor documents were not sent in time."),
)


# One delegate per demo application, in both scripts as a passport would have them.
_DELEGATE_NAMES = (
    ("陈静", "CHEN Jing"),
    ("王海涛", "WANG Haitao"),
    ("李娜", "LI Na"),
    ("张伟", "ZHANG Wei"),
    ("刘芳", "LIU Fang"),
    ("杨洋", "YANG Yang"),
    ("赵磊", "ZHAO Lei"),
    ("黄敏", "HUANG Min"),
)


def _demo_user_enterprise(enterprises: dict[str, Enterprise]) -> Enterprise:
    name = next(user.enterprise for user in _USERS if user.role == Role.ENTERPRISE)
    return enterprises[name]


def _seed_applications(enterprises: dict[str, Enterprise]) -> bool:
    from expo.mail import discard_pending_email
    from expo.registrations import services as registrations

    event = db.session.execute(
        db.select(Event).where(Event.title_zh == _REVIEWED_EVENT)
    ).scalar_one()
    if (
        event.questions
        or db.session.execute(
            db.select(registrations.Application.id).where(
                registrations.Application.event_id == event.id
            )
        ).first()
    ):
        return False
    for position, question in enumerate(_QUESTIONS):
        event.questions.append(Question(position=position, **question))
    db.session.flush()
    organizer = (
        db.session.execute(db.select(User).where(User.role == Role.ORGANIZER)).scalars().first()
    )
    rows = list(enterprises.values())
    when = event.registration_opens_at
    for number, (index, booths, status, reason) in enumerate(_APPLICATIONS):
        enterprise = rows[index] if index is not None else _demo_user_enterprise(enterprises)
        user = enterprise.users[0] if enterprise.users else None
        name_zh, name_latin = _DELEGATE_NAMES[number]
        delegate = registrations.DelegateData(
            name_zh=name_zh,
            name_latin=name_latin,
            title="总经理 / General Manager",
            mobile=f"+86 138 0000 {number:04d}",
            email=f"delegate{number}@expo.example",
            passport_number=f"E{70000000 + number}",
        )
        answers = {
            f"answer_{event.questions[0].id}": ["smart-equipment", "new-energy"][: 1 + number % 2],
            f"answer_{event.questions[1].id}": "yes" if number % 2 else "no",
        }
        data = registrations.ApplicationData(
            delegates=[delegate],
            booths_requested=booths,
            exhibits=enterprise.main_products_zh,
            consent=True,
            answers=answers,
        )
        when = when + timedelta(hours=7)
        application = registrations.submit_application(
            event, enterprise, data, actor=user, now=when
        )
        if status == "withdrawn":
            registrations.withdraw(application, actor=user, now=when)
        elif status != "pending":
            registrations.review(application, status, actor=organizer, reason=reason, now=when)
    # The demo tells nobody: these applications were never really made.
    discard_pending_email()
    return True


# --- delegations and their itineraries ---------------------------------------------------

# A delegation is looked up by its Chinese title and, when missing, made whole through
# the services (so the same validation runs as for an organizer): details, members, then
# items. An existing one is left exactly as it is, however it has been edited since.
# Item times are wall-clock times in each end's own zone, as a ticket states them.


class _DemoItem(NamedTuple):
    kind: ItemKind
    starts: str  # local "YYYY-MM-DD HH:MM" in start_zone
    start_zone: str
    ends: str  # local "YYYY-MM-DD HH:MM" in end_zone
    end_zone: str
    title_zh: str
    title_en: str
    place_zh: str
    place_en: str
    notes_zh: str = ""
    notes_en: str = ""
    transport_number: str = ""
    host: str = ""
    contact: str = ""
    address: str = ""
    enterprises: tuple[str, ...] = ()  # name_zh of our enterprises the item is with
    # Who takes part when not everyone does: member roles and name_zh of enterprises.
    only: tuple[str, ...] = ()


# Stands for the approved delegates of the delegation's event among its members.
_APPROVED_DELEGATES = "approved delegates"
_SHANGHAI = "Asia/Shanghai"
_BERLIN = "Europe/Berlin"
_BANGKOK = "Asia/Bangkok"
_ZHIYUE = "成都智越新能源汽车零部件有限公司"
_CHUANWEIFANG = "四川川味坊食品有限公司"
_ANYUE_LEMON = "资阳安岳柠檬产业有限公司"
_DUTY_OFFICE = (
    "四川省商务厅总值班室 / Duty Office, Sichuan Department of Commerce",
    "24小时值班 / 24-hour duty officer",
    "+86 28 8322 5107",
)
_MESSE = (
    "汉诺威展览中心13号馆四川展区",
    "Hannover Exhibition Grounds, Hall 13, Sichuan area",
)
_EXPO_CITY = ("中国西部国际博览城1号馆", "Western China International Expo City, Hall 1")

# fmt: off
_HANNOVER_ITEMS: tuple[_DemoItem, ...] = (
    _DemoItem(ItemKind.FLIGHT, "2027-04-10 01:30", _SHANGHAI, "2027-04-10 06:40", _BERLIN,
              "成都—法兰克福", "Chengdu – Frankfurt",
              "成都天府国际机场T1 → 法兰克福机场T1",
              "Chengdu Tianfu International Airport (TFU) T1 → Frankfurt Airport (FRA) T1",
              "4月9日22:30在T1航站楼国际出发大厅集合，统一办理值机。",
              "Meet at 22:30 on 9 April in the T1 international departures hall to check "
              "in together.",
              transport_number="CA 449"),
    _DemoItem(ItemKind.TRAIN, "2027-04-10 09:20", _BERLIN, "2027-04-10 12:08", _BERLIN,
              "法兰克福机场—汉诺威", "Frankfurt Airport – Hanover",
              "法兰克福机场远程火车站 → 汉诺威中央火车站",
              "Frankfurt (Main) Flughafen Fernbahnhof → Hannover Hbf",
              "二等座团体票，7号车厢。", "Second class group ticket, coach 7.",
              transport_number="ICE 578"),
    _DemoItem(ItemKind.HOTEL, "2027-04-10 13:00", _BERLIN, "2027-04-16 09:00", _BERLIN,
              "入住酒店", "Hotel check-in",
              "汉诺威莱布尼茨河岸酒店", "Hotel Leibnizufer Hannover",
              "含早餐，共6晚；4月16日9:00前退房。",
              "Breakfast included, six nights; check out by 09:00 on 16 April.",
              address="Leibnizufer 14, 30169 Hannover"),
    _DemoItem(ItemKind.MEETING, "2027-04-11 10:00", _BERLIN, "2027-04-11 11:30", _BERLIN,
              "展前工作会", "Pre-fair briefing",
              "酒店会议室", "Hotel meeting room",
              "介绍展会日程、外事纪律和安全注意事项。",
              "The fair's programme, conduct abroad and safety.",
              host="四川省商务厅 Sichuan Provincial Department of Commerce"),
    _DemoItem(ItemKind.FREE_TIME, "2027-04-11 13:30", _BERLIN, "2027-04-11 18:00", _BERLIN,
              "自由活动：汉诺威老城、海恩豪森王宫花园",
              "Free time: Hanover Old Town and Herrenhausen Gardens",
              "汉诺威市区", "Hanover city centre",
              "请结伴出行，18:00前返回酒店。", "Go in pairs; back at the hotel by 18:00."),
    _DemoItem(ItemKind.FAIR, "2027-04-12 08:30", _BERLIN, "2027-04-12 18:00", _BERLIN,
              "汉诺威工业博览会·开幕日", "Hannover Messe: opening day",
              *_MESSE,
              "9:00四川展团集体亮相，请着正装佩戴证件。",
              "09:00 Sichuan delegation opening: business dress, badges on.",
              address="Messegelände, 30521 Hannover"),
    _DemoItem(ItemKind.FAIR, "2027-04-13 09:00", _BERLIN, "2027-04-13 12:30", _BERLIN,
              "汉诺威工业博览会·参展（上午）", "Hannover Messe: at the stand (morning)",
              *_MESSE, address="Messegelände, 30521 Hannover"),
    _DemoItem(ItemKind.MEETING, "2027-04-13 14:00", _BERLIN, "2027-04-13 15:30", _BERLIN,
              "智越新能源与德国采购商洽谈", "Zhiyue New Energy meets a German buyer",
              "13号馆洽谈室", "Hall 13, meeting room",
              "洽谈电驱动总成年度采购，请带样品和报价单。",
              "Annual purchase of electric drive units: bring samples and the price list.",
              host="Weser Antriebstechnik GmbH",
              contact="Jana Hoffmann, Einkauf / purchasing",
              address="Messegelände, 30521 Hannover",
              enterprises=(_ZHIYUE,), only=(_ZHIYUE, MemberRole.INTERPRETER)),
    _DemoItem(ItemKind.SITE_VISIT, "2027-04-14 08:30", _BERLIN, "2027-04-14 17:00", _BERLIN,
              "考察下萨克森州工业企业", "Company visits in Lower Saxony",
              "希尔德斯海姆、沃尔夫斯堡", "Hildesheim and Wolfsburg",
              "上午参观精密零部件工厂，下午参观沃尔夫斯堡汽车城。8:30酒店门口乘车。",
              "Morning: a precision parts plant; afternoon: the Autostadt in Wolfsburg. "
              "Coach leaves the hotel at 08:30.",
              host="中国贸促会四川省委员会 CCPIT Sichuan"),
    _DemoItem(ItemKind.MEAL, "2027-04-14 19:00", _BERLIN, "2027-04-14 21:30", _BERLIN,
              "中德企业交流晚宴", "China–Germany business dinner",
              "汉诺威老市政厅", "Old Town Hall, Hanover",
              "邀请下萨克森州经济促进机构和德国采购商出席。",
              "With Lower Saxony's business development agency and German buyers.",
              host="四川省商务厅 Sichuan Provincial Department of Commerce",
              address="Karmarschstraße 42, 30159 Hannover"),
    _DemoItem(ItemKind.FAIR, "2027-04-15 09:00", _BERLIN, "2027-04-15 18:00", _BERLIN,
              "汉诺威工业博览会·参展", "Hannover Messe: at the stand",
              *_MESSE,
              "闭展后展品由展运代理统一回运。",
              "The forwarder ships the exhibits home after the fair closes.",
              address="Messegelände, 30521 Hannover"),
    _DemoItem(ItemKind.TRAIN, "2027-04-16 09:45", _BERLIN, "2027-04-16 12:40", _BERLIN,
              "汉诺威—法兰克福机场", "Hanover – Frankfurt Airport",
              "汉诺威中央火车站 → 法兰克福机场远程火车站",
              "Hannover Hbf → Frankfurt (Main) Flughafen Fernbahnhof",
              "二等座团体票，5号车厢。", "Second class group ticket, coach 5.",
              transport_number="ICE 577"),
    _DemoItem(ItemKind.FLIGHT, "2027-04-16 19:40", _BERLIN, "2027-04-17 12:25", _SHANGHAI,
              "法兰克福—成都", "Frankfurt – Chengdu",
              "法兰克福机场T1 → 成都天府国际机场T1",
              "Frankfurt Airport (FRA) T1 → Chengdu Tianfu International Airport (TFU) T1",
              "起飞前3小时到达机场，办理退税和值机。",
              "At the airport three hours before departure for VAT refunds and check-in.",
              transport_number="CA 450"),
)
# fmt: on

_HANNOVER_DELEGATION: dict[str, Any] = {
    "title_zh": "2027川行天下·汉诺威工业博览会四川经贸代表团",
    "title_en": "Sichuan Business Delegation to Hannover Messe 2027",
    "event": _REVIEWED_EVENT,
    "direction": Direction.OUTBOUND,
    "status": DelegationStatus.CONFIRMED,
    "origin": ("CN", "成都", "Chengdu"),
    "destination": ("DE", "汉诺威", "Hanover"),
    "dates": ("2027-04-10", "2027-04-17"),
    "notes_zh": (
        "代表团随四川展团参加2027汉诺威工业博览会，在13号馆四川展区参展，并与德国采购商"
        "洽谈、考察下萨克森州工业企业。请于4月9日22:30前到成都天府国际机场T1航站楼国际"
        "出发大厅集合。护照有效期须在6个月以上；申根签证由省商务厅统一办理。"
    ),
    "notes_en": (
        "The delegation goes with the Sichuan exhibitors to Hannover Messe 2027, exhibits "
        "in the Sichuan area of Hall 13, meets German buyers and visits manufacturers in "
        "Lower Saxony. Meet by 22:30 on 9 April in the international departures hall of "
        "Terminal 1, Chengdu Tianfu International Airport. Passports must be valid for six "
        "more months; the department applies for everyone's Schengen visas."
    ),
    "contacts": (
        _DUTY_OFFICE,
        (
            "中国驻汉堡总领事馆 / Consulate-General of China in Hamburg",
            "领事保护与协助 / Consular protection and assistance",
            "+49 40 6579 2140",
        ),
    ),
    "members": (
        {
            "name_zh": "周建华",
            "name_latin": "ZHOU Jianhua",
            "organization": "四川省商务厅",
            "title": "对外贸易处处长 / Director, Foreign Trade Division",
            "nationality": "CN",
            "passport_number": "PE1038274",
            "mobile": "+86 139 8060 2173",
            "email": "zhou.jianhua@sccom.example",
            "role": MemberRole.LEADER,
        },
        _APPROVED_DELEGATES,
        {
            "name_zh": "林悦",
            "name_latin": "LIN Yue",
            "organization": "四川省商务厅",
            "title": "德语翻译 / German interpreter",
            "nationality": "CN",
            "passport_number": "EH4729316",
            "mobile": "+86 135 5128 4690",
            "email": "lin.yue@sccom.example",
            "role": MemberRole.INTERPRETER,
        },
    ),
    "items": _HANNOVER_ITEMS,
}

# fmt: off
_ASEAN_ITEMS: tuple[_DemoItem, ...] = (
    _DemoItem(ItemKind.FLIGHT, "2027-05-25 09:05", _BANGKOK, "2027-05-25 13:10", _SHANGHAI,
              "曼谷—成都", "Bangkok – Chengdu",
              "曼谷素万那普国际机场 → 成都天府国际机场T1",
              "Bangkok Suvarnabhumi Airport (BKK) → Chengdu Tianfu International Airport "
              "(TFU) T1",
              "随团联络员在到达出口举“东盟采购商四川行”接机牌。",
              "The liaison officer meets the group at arrivals with an “ASEAN Buyers' "
              "Mission” sign.",
              transport_number="3U 3938"),
    _DemoItem(ItemKind.TRANSFER, "2027-05-25 14:00", _SHANGHAI, "2027-05-25 15:15", _SHANGHAI,
              "机场至酒店", "Airport to hotel",
              "天府国际机场 → 天府新区博览城酒店",
              "Tianfu Airport → Expo City Hotel, Tianfu New Area",
              "专车接送。", "By coach."),
    _DemoItem(ItemKind.HOTEL, "2027-05-25 15:15", _SHANGHAI, "2027-05-28 08:00", _SHANGHAI,
              "入住酒店", "Hotel check-in",
              "天府新区博览城酒店", "Expo City Hotel, Tianfu New Area",
              "含早餐，共3晚；5月28日8:00前退房。",
              "Breakfast included, three nights; check out by 08:00 on 28 May.",
              address="成都市天府新区福州路 / Fuzhou Road, Tianfu New Area, Chengdu"),
    _DemoItem(ItemKind.MEAL, "2027-05-25 18:30", _SHANGHAI, "2027-05-25 20:30", _SHANGHAI,
              "欢迎晚宴", "Welcome dinner",
              "酒店宴会厅", "Hotel banquet hall",
              "设清真餐桌和素食餐桌。", "Halal and vegetarian tables.",
              host="四川省商务厅 Sichuan Provincial Department of Commerce"),
    _DemoItem(ItemKind.FAIR, "2027-05-26 09:00", _SHANGHAI, "2027-05-26 17:00", _SHANGHAI,
              "进口商品采购对接会·第一天", "Sourcing Matchmaking: day one",
              *_EXPO_CITY,
              "9:30扩大进口政策解读，11:00起一对一洽谈。",
              "09:30 briefing on import policies; one-to-one meetings from 11:00."),
    _DemoItem(ItemKind.FAIR, "2027-05-27 09:30", _SHANGHAI, "2027-05-27 12:00", _SHANGHAI,
              "进口商品采购对接会·第二天", "Sourcing Matchmaking: day two",
              *_EXPO_CITY,
              "中欧班列进口通道与保税物流说明会。",
              "Briefing on rail import routes from Europe and bonded logistics."),
    _DemoItem(ItemKind.SITE_VISIT, "2027-05-27 14:00", _SHANGHAI, "2027-05-27 17:00", _SHANGHAI,
              "参观四川川味坊食品有限公司", "Visit to Sichuan Chuanweifang Food Co., Ltd.",
              "成都市郫都区", "Pidu District, Chengdu",
              "参观火锅底料和复合调味料生产线，品鉴清真系列产品。",
              "The hotpot soup base and seasoning lines, with a tasting of the halal range.",
              enterprises=(_CHUANWEIFANG,)),
    _DemoItem(ItemKind.FREE_TIME, "2027-05-27 19:00", _SHANGHAI, "2027-05-27 22:00",
              _SHANGHAI,
              "自由活动：宽窄巷子", "Free time: Kuanzhai Alley",
              "成都市青羊区宽窄巷子", "Kuanzhai Alley, Qingyang District, Chengdu",
              "随团联络员陪同，21:30在巷口集合乘车返回酒店。",
              "With the liaison officer; the coach leaves the alley's entrance at 21:30."),
    _DemoItem(ItemKind.SITE_VISIT, "2027-05-28 08:00", _SHANGHAI, "2027-05-28 12:00", _SHANGHAI,
              "参观资阳安岳柠檬产业有限公司",
              "Visit to Ziyang Anyue Lemon Industry Co., Ltd.",
              "资阳市安岳县", "Anyue County, Ziyang",
              "8:00携行李乘车出发，车程约两小时；参观柠檬种植基地和精深加工车间。",
              "The coach leaves at 08:00 with the luggage (about two hours); lemon "
              "orchards and the processing plant.",
              enterprises=(_ANYUE_LEMON,)),
    _DemoItem(ItemKind.TRANSFER, "2027-05-28 12:15", _SHANGHAI, "2027-05-28 13:45", _SHANGHAI,
              "安岳至天府国际机场", "Anyue to Tianfu Airport",
              "安岳县 → 成都天府国际机场T1", "Anyue → Chengdu Tianfu International Airport T1",
              "车上提供午餐（含清真、素食）。", "Packed lunch on the coach (halal and "
              "vegetarian ones too)."),
    _DemoItem(ItemKind.FLIGHT, "2027-05-28 15:40", _SHANGHAI, "2027-05-28 17:35", _BANGKOK,
              "成都—曼谷", "Chengdu – Bangkok",
              "成都天府国际机场T1 → 曼谷素万那普国际机场",
              "Chengdu Tianfu International Airport (TFU) T1 → Bangkok Suvarnabhumi "
              "Airport (BKK)",
              transport_number="3U 3937"),
)
# fmt: on

_ASEAN_DELEGATION: dict[str, Any] = {
    "title_zh": "2027年东盟采购商四川行",
    "title_en": "ASEAN Buyers' Mission to Sichuan 2027",
    "event": "2027年进口商品采购对接会（成都）",
    "direction": Direction.INBOUND,
    "status": DelegationStatus.PLANNING,
    "origin": ("TH", "曼谷", "Bangkok"),
    "destination": ("CN", "成都", "Chengdu"),
    "dates": ("2027-05-25", "2027-05-28"),
    "notes_zh": (
        "邀请泰国、马来西亚、越南和印度尼西亚的采购商来川参加2027年进口商品采购对接会，"
        "与省内企业洽谈双向贸易，并考察食品和农产品加工企业。需要签证的团员凭省商务厅"
        "邀请函申请来华签证；餐饮按团员登记的清真、素食等要求安排。"
    ),
    "notes_en": (
        "Buyers from Thailand, Malaysia, Vietnam and Indonesia come to the 2027 Imported "
        "Goods Sourcing Matchmaking in Chengdu, meet enterprises of the province for trade "
        "both ways and visit food and farm-produce processors. Members who need a visa "
        "apply with the department's invitation letter; meals follow the halal, vegetarian "
        "and other needs each member gave."
    ),
    "contacts": (
        _DUTY_OFFICE,
        ("刘洋 / LIU Yang", "随团联络员 / Mission liaison officer", "+86 139 8176 2045"),
        (
            "泰国驻成都总领事馆 / Royal Thai Consulate-General in Chengdu",
            "领事服务 / Consular services",
            "+86 28 6689 7861",
        ),
    ),
    "members": (
        {
            "name_latin": "Somchai RATTANAKUL",
            "organization": "Thailand–Sichuan Trade Association",
            "title": "President",
            "nationality": "TH",
            "passport_number": "AC4821937",
            "mobile": "+66 81 452 7390",
            "email": "somchai@thai-sichuan.example",
            "role": MemberRole.LEADER,
        },
        {
            "name_latin": "Siriporn CHAIYASIT",
            "organization": "Siam Fresh Retail Co., Ltd.",
            "title": "Head of Imported Foods",
            "nationality": "TH",
            "passport_number": "AB7390214",
            "mobile": "+66 89 213 6458",
            "email": "siriporn@siamfresh.example",
        },
        {
            "name_latin": "Ahmad Faizal bin ROSLAN",
            "organization": "Klang Valley Halal Foods Sdn. Bhd.",
            "title": "Purchasing Manager",
            "nationality": "MY",
            "passport_number": "A38275164",
            "mobile": "+60 12 384 7261",
            "email": "faizal@kvhalal.example",
            "needs": "清真餐 / Halal meals",
        },
        {
            "name_latin": "NGUYEN Thi Thu Ha",
            "organization": "Mekong Agro Trading JSC",
            "title": "Purchasing Director",
            "nationality": "VN",
            "passport_number": "C5629184",
            "mobile": "+84 90 318 4726",
            "email": "thuha@mekongagro.example",
            "needs": "素食 / Vegetarian",
        },
        {
            "name_latin": "Dewi KUSUMAWATI",
            "organization": "PT Nusantara Pangan Sejahtera",
            "title": "Import Manager",
            "nationality": "ID",
            "passport_number": "C4827391",
            "mobile": "+62 812 8734 2910",
            "email": "dewi@nusantarapangan.example",
            "needs": "清真餐，不饮酒 / Halal meals, no alcohol",
        },
        {
            "name_zh": "刘洋",
            "name_latin": "LIU Yang",
            "organization": "四川省商务厅",
            "title": "对外贸易处科员 / Officer, Foreign Trade Division",
            "nationality": "CN",
            "mobile": "+86 139 8176 2045",
            "email": "liu.yang@sccom.example",
            "role": MemberRole.STAFF,
        },
    ),
    "items": _ASEAN_ITEMS,
}

DELEGATIONS: tuple[dict[str, Any], ...] = (_HANNOVER_DELEGATION, _ASEAN_DELEGATION)


def _item_data(item: _DemoItem, delegation: Delegation, enterprises: dict[str, Enterprise]):
    """The item as an organizer would enter it: naive wall-clock times and their zones."""
    from expo.delegations.itinerary import ItemData

    roles = {str(who) for who in item.only}
    companies = {enterprises[name].id for name in item.only if name in enterprises}
    members = [
        member.id
        for member in delegation.members
        if member.role in roles or member.enterprise_id in companies
    ]
    return ItemData(
        kind=item.kind.value,
        starts_at=datetime.fromisoformat(item.starts),
        start_timezone=item.start_zone,
        ends_at=datetime.fromisoformat(item.ends),
        end_timezone=item.end_zone,
        title_zh=item.title_zh,
        title_en=item.title_en,
        place_zh=item.place_zh,
        place_en=item.place_en,
        address=item.address,
        transport_number=item.transport_number,
        host=item.host,
        contact=item.contact,
        notes_zh=item.notes_zh,
        notes_en=item.notes_en,
        everyone=not item.only,
        member_ids=members,
        enterprise_ids=[enterprises[name].id for name in item.enterprises],
    )


def _seed_delegation(
    data: dict[str, Any], enterprises: dict[str, Enterprise], organizer: User | None
) -> bool:
    from expo.delegations import services as delegations
    from expo.delegations.itinerary import add_item

    if db.session.execute(
        db.select(Delegation.id).where(Delegation.title_zh == data["title_zh"])
    ).first():
        return False
    event = db.session.execute(db.select(Event).where(Event.title_zh == data["event"])).scalar_one()
    origin_country, origin_zh, origin_en = data["origin"]
    destination_country, destination_zh, destination_en = data["destination"]
    first, last = (date.fromisoformat(day) for day in data["dates"])
    delegation = delegations.create_delegation(
        delegations.DelegationData(
            direction=data["direction"].value,
            title_zh=data["title_zh"],
            title_en=data["title_en"],
            campaign_id=event.campaign_id,
            event_ids=[event.id],
            origin_country=origin_country,
            origin_city_zh=origin_zh,
            origin_city_en=origin_en,
            destination_country=destination_country,
            destination_city_zh=destination_zh,
            destination_city_en=destination_en,
            starts_on=first,
            ends_on=last,
            notes_zh=data["notes_zh"],
            notes_en=data["notes_en"],
            contacts=[delegations.ContactData(*contact) for contact in data["contacts"]],
        ),
        actor=organizer,
    )
    delegations.set_status(delegation, data["status"], actor=organizer)
    for member in data["members"]:
        if member == _APPROVED_DELEGATES:
            delegations.add_approved_delegates(delegation, event, actor=organizer)
        else:
            delegations.add_member(delegation, delegations.MemberData(**member), actor=organizer)
    for item in data["items"]:
        add_item(delegation, _item_data(item, delegation, enterprises))
    return True


def _seed_delegations(enterprises: dict[str, Enterprise]) -> bool:
    organizer = (
        db.session.execute(db.select(User).where(User.role == Role.ORGANIZER)).scalars().first()
    )
    created_any = False
    for data in DELEGATIONS:
        created_any |= _seed_delegation(data, enterprises, organizer)
    return created_any


def seed_demo() -> bool:
    """Create whatever demo rows are missing; True when anything was created."""
    enterprises, created_any = _seed_enterprises()
    created_any |= _seed_users(enterprises)
    for data in CAMPAIGNS:
        campaign, created = _get_or_create(
            Campaign,
            {key: data[key] for key in ("kind", "year", "title_zh")},
            {key: data[key] for key in ("title_en", "summary_zh", "summary_en", "status")},
        )
        created_any |= created
        for event_data in data["events"]:
            created_any |= _seed_event(campaign, event_data)
    created_any |= _seed_applications(enterprises)
    created_any |= _seed_delegations(enterprises)
    return created_any
