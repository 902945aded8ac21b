"""The demo's matchmaking day: the Sichuan–Mexico Trade Matchmaking with 56 Sichuan
enterprises, 40 buyers, their requests both ways and a published schedule.

Generated rather than listed: the names are combined from a few lists, always the same
way, so the demo is the same on every seeding. The schedule comes from the real
scheduler, then is published, as an organizer would.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from expo.accounts.models import User
from expo.enterprises.credit_codes import build_credit_code
from expo.enterprises.models import Enterprise
from expo.events.models import Event
from expo.extensions import db
from expo.mail import discard_pending_email
from expo.matchmaking import services
from expo.matchmaking.models import (
    Counterpart,
    CounterpartRole,
    CounterpartStatus,
    MatchRequest,
    RequestStatus,
    SichuanProfile,
    Side,
)
from expo.registrations.models import Application, ApplicationStatus, Delegate, Transition

SICHUAN = 56
BUYERS = 40
# (industry, Chinese product, English product, HS chapter)
PRODUCTS = [
    ("automotive", "汽车零部件", "auto parts", "87"),
    ("electronics", "电子元器件", "electronic components", "85"),
    ("machinery", "数控机床", "CNC machine tools", "84"),
    ("new_energy", "光伏组件", "solar modules", "85"),
    ("machinery", "工程机械", "construction machinery", "84"),
    ("metals", "钒钛新材料", "vanadium and titanium materials", "81"),
    ("chemicals", "精细化工品", "fine chemicals", "29"),
    ("food", "川味调味品", "Sichuan seasonings", "21"),
    ("tea", "绿茶", "green tea", "09"),
    ("textiles", "蜀锦服饰", "Shu brocade apparel", "62"),
]
PLACES = [
    ("510100", "成都", "Chengdu"),
    ("510700", "绵阳", "Mianyang"),
    ("510600", "德阳", "Deyang"),
    ("511500", "宜宾", "Yibin"),
    ("510500", "泸州", "Luzhou"),
    ("510400", "攀枝花", "Panzhihua"),
]
WORDS = [
    ("天府", "Tianfu"),
    ("锦江", "Jinjiang"),
    ("蜀丰", "Shufeng"),
    ("巴山", "Bashan"),
    ("峨眉", "Emei"),
    ("岷江", "Minjiang"),
    ("青城", "Qingcheng"),
    ("蓉兴", "Rongxing"),
    ("川恒", "Chuanheng"),
    ("嘉陵", "Jialing"),
]
BUYER_NAMES = [
    "Importadora",
    "Distribuidora",
    "Grupo Industrial",
    "Comercializadora",
    "Manufacturas",
]
BUYER_PLACES = [
    ("MX", "Azteca"),
    ("MX", "del Bajío"),
    ("MX", "Monterrey"),
    ("MX", "Jalisco"),
    ("MX", "Pacífico"),
    ("CO", "Andina"),
    ("GT", "Maya"),
    ("US", "Tex-Mex"),
]


def _enterprise(number: int) -> Enterprise:
    industry, product_zh, product_en, _chapter = PRODUCTS[number % len(PRODUCTS)]
    prefecture, city_zh, city_en = PLACES[number % len(PLACES)]
    word_zh, word_en = WORDS[(number // len(PRODUCTS)) % len(WORDS)]
    return Enterprise(
        credit_code=build_credit_code(prefecture, f"{61000000 + number * 7:08d}"),
        name_zh=f"四川{word_zh}{product_zh}有限公司{number + 1}号",
        name_en=f"Sichuan {word_en} {product_en.title()} Co., Ltd. No. {number + 1}",
        prefecture=prefecture,
        industry=industry,
        main_products_zh=f"{product_zh}（{city_zh}生产）",
        main_products_en=f"{product_en} made in {city_en}",
        target_markets=["MX", "US"],
        contact_name=f"{word_zh}经理",
        contact_phone=f"028-8{number:07d}",
        contact_email=f"trade{number + 1}@match-demo.example",
        verified=True,
    )


def _application(
    event: Event, enterprise: Enterprise, number: int, organizer: User, when: datetime
) -> Application:
    application = Application(
        event=event,
        enterprise=enterprise,
        status=ApplicationStatus.APPROVED,
        consent_version="demo",
        consented_at=when,
        exhibits=enterprise.main_products_zh,
        delegates=[
            Delegate(
                position=0,
                name_zh=f"李{'明华强伟芳'[number % 5]}",
                name_latin=f"LI {['Ming', 'Hua', 'Qiang', 'Wei', 'Fang'][number % 5]}",
                title="销售总监 / Sales Director",
                mobile=f"+86 139 0000 {number:04d}",
                email=f"sales{number + 1}@match-demo.example",
            )
        ],
    )
    application.transitions.append(
        Transition(
            from_status=ApplicationStatus.PENDING,
            to_status=ApplicationStatus.APPROVED,
            actor_id=organizer.id,
            created_at=when,
        )
    )
    db.session.add(application)
    return application


def _buyer(event: Event, number: int) -> Counterpart:
    kind = BUYER_NAMES[number % len(BUYER_NAMES)]
    country, place = BUYER_PLACES[number % len(BUYER_PLACES)]
    _industry, product_zh, product_en, chapter = PRODUCTS[(number * 3) % len(PRODUCTS)]
    languages = "es" if number % 3 else "es,en"
    if country == "US":
        languages = "en,es"
    return Counterpart(
        event=event,
        role=CounterpartRole.BUYER,
        organization_en=f"{kind} {place} S.A. de C.V. ({number + 1})",
        organization_zh=f"墨西哥{product_zh}采购商{number + 1}号" if number % 2 else "",
        country=country,
        contact_name_latin=f"{['María', 'José', 'Ana', 'Luis', 'Carmen'][number % 5]} "
        f"{['García', 'López', 'Hernández', 'Martínez', 'Pérez'][number % 5]}",
        email=f"buyer{number + 1}@match-demo.example",
        needs=f"{product_en}; {product_zh}",
        hs_chapters=chapter,
        languages=languages,
        language="en",
        status=CounterpartStatus.APPROVED,
    )


def seed_matchmaking(event: Event, organizer: User, today: date) -> None:
    """The day's two sides, requests and the published schedule (flushes).

    Applications and requests are dated two days before ``today`` (a date in China).
    """
    when = datetime.combine(today - timedelta(days=2), time(10), ZoneInfo("Asia/Shanghai"))
    zone = ZoneInfo(event.timezone)
    day = event.starts_at.astimezone(zone).date()
    # The buyer meetings of the agenda: 10:30–12:30 and 14:00–17:30, lunch between.
    services.save_grid(
        event,
        services.GridData(
            slot_minutes=20,
            tables=20,
            windows=f"{day:%Y-%m-%d} 10:30-12:30\n{day:%Y-%m-%d} 14:00-17:30",
            interpreters="es=8, en=4",
            requests_open_at=None,
            requests_close_at=datetime.combine(day, datetime.min.time()) - timedelta(days=7),
            max_requests=8,
            max_meetings=10,
        ),
        actor=organizer,
    )
    enterprises = [_enterprise(n) for n in range(SICHUAN)]
    db.session.add_all(enterprises)
    db.session.flush()
    applications = [
        _application(event, enterprise, n, organizer, when)
        for n, enterprise in enumerate(enterprises)
    ]
    buyers = [_buyer(event, n) for n in range(BUYERS)]
    db.session.add_all(buyers)
    db.session.flush()
    for n, application in enumerate(applications):
        db.session.add(
            SichuanProfile(
                application=application,
                summary_zh=f"{application.enterprise.main_products_zh}，可供北美市场。",
                summary_en=f"{application.enterprise.main_products_en}, for North America.",
                hs_chapters=PRODUCTS[n % len(PRODUCTS)][3],
                languages="zh,en" if n % 4 == 0 else "zh",
            )
        )
    # Each enterprise asks three buyers of its products; most accept, a few decline.
    moment = when
    for n, application in enumerate(applications):
        for k in range(3):
            buyer = buyers[(n * 2 + k * 7) % BUYERS]
            status = RequestStatus.ACCEPTED
            if (n + k) % 9 == 0:
                status = RequestStatus.DECLINED
            elif (n + k) % 11 == 0:
                status = RequestStatus.REQUESTED
            db.session.add(
                MatchRequest(
                    event_id=event.id,
                    application=application,
                    counterpart=buyer,
                    from_side=Side.SICHUAN if k < 2 else Side.COUNTERPART,
                    priority=3 - k,
                    status=status,
                    created_at=moment,
                    decided_at=moment if status != RequestStatus.REQUESTED else None,
                )
            )
    db.session.flush()
    services.run_scheduler(event, actor=organizer, time_limit=3)
    services.publish(event, actor=organizer)
    # The demo tells nobody: none of these people exists.
    discard_pending_email()
