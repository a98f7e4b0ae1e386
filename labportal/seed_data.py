"""The register's initial data, transcribed from the study-group material (../shared/seed/).

Kept as plain data so that the data migration, the tests and the docs read the same source.
The seed lists each IoT lab by bureau with its round as a circled digit; the prefecture of each
municipality is added here (the seed leaves it implicit).
"""

BUREAUS = [
    # (code, name, short name)
    ("hokkaido", "北海道経済産業局", "北海道"),
    ("tohoku", "東北経済産業局", "東北"),
    ("kanto", "関東経済産業局", "関東"),
    ("chubu", "中部経済産業局", "中部"),
    ("kinki", "近畿経済産業局", "近畿"),
    ("chugoku", "中国経済産業局", "中国"),
    ("shikoku", "四国経済産業局", "四国"),
    ("kyushu", "九州経済産業局", "九州"),
    ("okinawa", "沖縄総合事務局", "沖縄"),
]

# JIS X 0401 code, name, bureau code
PREFECTURES = [
    ("01", "北海道", "hokkaido"),
    ("02", "青森県", "tohoku"), ("03", "岩手県", "tohoku"), ("04", "宮城県", "tohoku"),
    ("05", "秋田県", "tohoku"), ("06", "山形県", "tohoku"), ("07", "福島県", "tohoku"),
    ("08", "茨城県", "kanto"), ("09", "栃木県", "kanto"), ("10", "群馬県", "kanto"),
    ("11", "埼玉県", "kanto"), ("12", "千葉県", "kanto"), ("13", "東京都", "kanto"),
    ("14", "神奈川県", "kanto"), ("15", "新潟県", "kanto"), ("19", "山梨県", "kanto"),
    ("20", "長野県", "kanto"), ("22", "静岡県", "kanto"),
    ("16", "富山県", "chubu"), ("17", "石川県", "chubu"), ("21", "岐阜県", "chubu"),
    ("23", "愛知県", "chubu"), ("24", "三重県", "chubu"),
    ("18", "福井県", "kinki"), ("25", "滋賀県", "kinki"), ("26", "京都府", "kinki"),
    ("27", "大阪府", "kinki"), ("28", "兵庫県", "kinki"), ("29", "奈良県", "kinki"),
    ("30", "和歌山県", "kinki"),
    ("31", "鳥取県", "chugoku"), ("32", "島根県", "chugoku"), ("33", "岡山県", "chugoku"),
    ("34", "広島県", "chugoku"), ("35", "山口県", "chugoku"),
    ("36", "徳島県", "shikoku"), ("37", "香川県", "shikoku"), ("38", "愛媛県", "shikoku"),
    ("39", "高知県", "shikoku"),
    ("40", "福岡県", "kyushu"), ("41", "佐賀県", "kyushu"), ("42", "長崎県", "kyushu"),
    ("43", "熊本県", "kyushu"), ("44", "大分県", "kyushu"), ("45", "宮崎県", "kyushu"),
    ("46", "鹿児島県", "kyushu"),
    ("47", "沖縄県", "okinawa"),
]

# The six IoT lab rounds: number -> (year, month) of selection. Round 7 was in selection in 2022-01.
IOT_ROUNDS = {1: (2016, 7), 2: (2017, 3), 3: (2017, 8), 4: (2018, 9), 5: (2019, 9), 6: (2021, 4)}
IOT_ROUND_IN_SELECTION = 7

PREFECTURE = "prefecture"
MUNICIPALITY = "municipality"
COLLABORATION = "collaboration"

# The 105 IoT labs: (name as the seed writes it, kind, prefecture, round), grouped by bureau
# in the seed's order. A prefecture lab's prefecture is itself.
IOT_LABS = {
    "hokkaido": [
        ("札幌市", MUNICIPALITY, "北海道", 1), ("士幌町", MUNICIPALITY, "北海道", 1),
        ("函館市", MUNICIPALITY, "北海道", 2), ("猿払村", MUNICIPALITY, "北海道", 3),
        ("釧路市", MUNICIPALITY, "北海道", 1), ("室蘭市", MUNICIPALITY, "北海道", 4),
        ("北見市", MUNICIPALITY, "北海道", 4), ("稚内市", MUNICIPALITY, "北海道", 4),
        ("長沼町", MUNICIPALITY, "北海道", 4), ("東川町", MUNICIPALITY, "北海道", 4),
        ("森町", MUNICIPALITY, "北海道", 5),
    ],
    "tohoku": [
        ("山形県", PREFECTURE, "山形県", 3), ("仙北市", MUNICIPALITY, "秋田県", 2),
        ("宮城県", PREFECTURE, "宮城県", 1), ("秋田横連携", COLLABORATION, "秋田県", 3),
        ("仙台市", MUNICIPALITY, "宮城県", 2), ("会津若松市", MUNICIPALITY, "福島県", 1),
        ("青森県", PREFECTURE, "青森県", 4), ("岩手県", PREFECTURE, "岩手県", 4),
        ("滝沢市", MUNICIPALITY, "岩手県", 4), ("秋田県", PREFECTURE, "秋田県", 4),
    ],
    "kanto": [
        ("茨城県", PREFECTURE, "茨城県", 1), ("横浜市", MUNICIPALITY, "神奈川県", 2),
        ("伊那市", MUNICIPALITY, "長野県", 1), ("栃木県", PREFECTURE, "栃木県", 4),
        ("相模原市", MUNICIPALITY, "神奈川県", 2), ("川上村", MUNICIPALITY, "長野県", 3),
        ("群馬県", PREFECTURE, "群馬県", 3), ("横須賀市", MUNICIPALITY, "神奈川県", 2),
        ("山梨県", PREFECTURE, "山梨県", 3), ("埼玉県", PREFECTURE, "埼玉県", 2),
        ("湘南地域", COLLABORATION, "神奈川県", 2), ("静岡県", PREFECTURE, "静岡県", 1),
        ("千葉県", PREFECTURE, "千葉県", 2), ("新潟県", PREFECTURE, "新潟県", 2),
        ("藤枝市", MUNICIPALITY, "静岡県", 3), ("大田区", MUNICIPALITY, "東京都", 3),
        ("長岡市", MUNICIPALITY, "新潟県", 3), ("長野県", PREFECTURE, "長野県", 5),
        ("神奈川県", PREFECTURE, "神奈川県", 2), ("柏崎市", MUNICIPALITY, "新潟県", 4),
        ("燕市", MUNICIPALITY, "新潟県", 5),
    ],
    "chugoku": [
        ("鳥取県", PREFECTURE, "鳥取県", 3), ("岡山県", PREFECTURE, "岡山県", 3),
        ("瀬戸内市", MUNICIPALITY, "岡山県", 3), ("広島県", PREFECTURE, "広島県", 1),
        ("島根県", PREFECTURE, "島根県", 1), ("山口県", PREFECTURE, "山口県", 2),
        ("宇部市", MUNICIPALITY, "山口県", 5), ("津山市", MUNICIPALITY, "岡山県", 6),
    ],
    "shikoku": [
        ("高知県", PREFECTURE, "高知県", 1), ("美波町", MUNICIPALITY, "徳島県", 3),
        ("新居浜市", MUNICIPALITY, "愛媛県", 6), ("徳島県", PREFECTURE, "徳島県", 4),
        ("神山町", MUNICIPALITY, "徳島県", 4), ("高松市", MUNICIPALITY, "香川県", 4),
        ("愛媛県", PREFECTURE, "愛媛県", 5),
    ],
    "okinawa": [
        ("沖縄県", PREFECTURE, "沖縄県", 1), ("沖縄市", MUNICIPALITY, "沖縄県", 4),
        ("恩納村", MUNICIPALITY, "沖縄県", 5),
    ],
    "kyushu": [
        ("福岡県", PREFECTURE, "福岡県", 1), ("長崎市", MUNICIPALITY, "長崎県", 2),
        ("北九州市", MUNICIPALITY, "福岡県", 1), ("島原市", MUNICIPALITY, "長崎県", 4),
        ("福岡市", MUNICIPALITY, "福岡県", 1), ("南島原市", MUNICIPALITY, "長崎県", 3),
        ("嘉飯桂地域", COLLABORATION, "福岡県", 2), ("熊本県", PREFECTURE, "熊本県", 1),
        ("佐賀県", PREFECTURE, "佐賀県", 2), ("宮崎県", PREFECTURE, "宮崎県", 2),
        ("大分県", PREFECTURE, "大分県", 2), ("鹿児島県", PREFECTURE, "鹿児島県", 1),
        ("長崎県", PREFECTURE, "長崎県", 2), ("直方市", MUNICIPALITY, "福岡県", 5),
    ],
    "chubu": [
        ("富山県", PREFECTURE, "富山県", 1), ("岐阜県", PREFECTURE, "岐阜県", 1),
        ("豊田市", MUNICIPALITY, "愛知県", 2), ("富山市", MUNICIPALITY, "富山県", 6),
        ("石川県", PREFECTURE, "石川県", 1), ("郡上市", MUNICIPALITY, "岐阜県", 3),
        ("幸田町", MUNICIPALITY, "愛知県", 3), ("桑名市", MUNICIPALITY, "三重県", 6),
        ("加賀市", MUNICIPALITY, "石川県", 1), ("各務原市", MUNICIPALITY, "岐阜県", 3),
        ("三重県", PREFECTURE, "三重県", 1), ("白山市", MUNICIPALITY, "石川県", 2),
        ("愛知県", PREFECTURE, "愛知県", 1), ("能美市", MUNICIPALITY, "石川県", 4),
        ("かほく市", MUNICIPALITY, "石川県", 3), ("名古屋市", MUNICIPALITY, "愛知県", 2),
        ("木曽岬町", MUNICIPALITY, "三重県", 5),
    ],
    "kinki": [
        ("福井県", PREFECTURE, "福井県", 1), ("京都市", MUNICIPALITY, "京都府", 1),
        ("淡路市", MUNICIPALITY, "兵庫県", 3), ("鯖江市", MUNICIPALITY, "福井県", 2),
        ("大阪府", PREFECTURE, "大阪府", 2), ("奈良県", PREFECTURE, "奈良県", 1),
        ("永平寺町", MUNICIPALITY, "福井県", 3), ("大阪市", MUNICIPALITY, "大阪府", 1),
        ("明日香村", MUNICIPALITY, "奈良県", 3), ("滋賀県", PREFECTURE, "滋賀県", 2),
        ("八尾市", MUNICIPALITY, "大阪府", 4), ("和歌山県", PREFECTURE, "和歌山県", 1),
        ("米原市", MUNICIPALITY, "滋賀県", 4), ("神戸市", MUNICIPALITY, "兵庫県", 1),
    ],
}

# Members of a regional collaboration, where they are publicly known (嘉飯桂 = 嘉麻・飯塚・桂川).
COLLABORATION_MEMBERS = {
    "嘉飯桂地域": [("嘉麻市", "福岡県"), ("飯塚市", "福岡県"), ("桂川町", "福岡県")],
}

PROGRAMMES = {
    "iot": {
        "name": "地方版IoT推進ラボ",
        "short_name": "IoTラボ",
        "established": "平成28年6月",
        "purpose": "IoT、ビッグデータ、AI等を活用し、地域課題の解決とともに地域の経済発展を実現する",
        "eligible_initiatives": [
            "地域課題の解決等に資するIoTプロジェクト創出のための取組"
            "（地域全体（点ではなく面）の視点で対象を捉える）",
        ],
        "implementing_body": "自治体、公的機関、企業、学校、市民等によって構成される組合・団体等",
        "merits": [
            "「地方版IoT推進ラボ」マークの使用権付与",
            "メルマガ、ラボイベント等による広報支援",
            "地域のプロジェクト・企業等の実現・発展に資するメンターの派遣",
        ],
    },
    "dx": {
        "name": "地域DX推進ラボ",
        "short_name": "DXラボ",
        "established": "",
        "purpose": "データ・デジタル技術を活用し、地域課題の解決や地域産業・企業の競争優位性の確保を"
        "通じた地域の経済発展を実現する",
        "eligible_initiatives": [
            "①新規産業の創出又は現行産業の変革に資する取組",
            "②地域ユーザー企業の新規ビジネスの創出又は現行ビジネスの変革に資する支援（企業支援の取組）",
        ],
        "implementing_body": "自治体、公的機関、企業、学校、市民等によって構成される組合・団体等",
        "merits": [
            "「地域DX推進ラボ」マークの使用権付与",
            "メルマガ、ラボイベント等による広報支援",
            "地域のプロジェクト・企業等の実現・発展に資するメンターの派遣",
            "他地域との交流機会の創出",
        ],
    },
}

# 経済産業省、IPAの役割 (No. 4 of the seed's table), the same for both programmes. Kept apart from
# PROGRAMMES, which migration 0002 loads before Programme had the field.
PROGRAMME_ROLES = {"iot": "選定ラボの支援", "dx": "選定ラボの支援"}

# （参考）地域DX推進ラボ選定対象の取組イメージ（例）: the seed's whole picture, as data for the page.
ACTIVITY_IMAGE = {
    "title": "地域DX推進ラボ選定対象の取組イメージ（例）",
    "lead": "地域経済の発展を目指す下記①・②のいずれか又は両方に該当する取組",
    "stages": ["知る", "相談する", "試す", "導入する", "使う"],
    "company_support": {
        "title": "②地域ユーザー企業の新規ビジネスの創出又は現行ビジネスの変革に資する支援（企業支援の取組）",
        "goal": "地域企業の競争優位性の確保",
        # stage -> example activities, in the order of `stages`
        "by_stage": [
            ("知る", ["セミナー等", "事例集"]),
            ("相談する", ["相談窓口", "専門家派遣"]),
            ("試す", ["模擬施設"]),
            ("導入する", ["補助金"]),
            ("使う", ["技術提供"]),
        ],
        "alongside": [
            ("出会う", ["アイデアソン・ハッカソン", "ユーザー企業とITベンダー等のマッチング・交流会"]),
            ("育てる", ["デジタル推進人材育成講座／研修"]),
        ],
    },
    "industry": {
        "title": "①新規産業の創出又は現行産業の変革に資する取組",
        "goal": "地域課題の解決／地域産業の競争優位性の確保",
        "steps": ["研究開発", "試行・試作", "製品開発／実証", "実装・製品化"],
        "support": ["相談窓口", "専門家派遣"],
        "actors": "分野ごとに、自治体、大学、公設試、ITベンダー、ユーザー企業等による地域の産官学プロジェクト等",
    },
    "outcome": "地域経済の発展",
}

# The concept diagram: quadrant -> (name, actor axis, change axis, initiative it maps to)
QUADRANTS = [
    ("I", "Ⅰ", "新規ビジネスの創出支援", "company", "transformation", "②"),
    ("II", "Ⅱ", "新規産業の創出", "region", "transformation", "①"),
    ("III", "Ⅲ", "現行ビジネスの変革支援", "company", "efficiency", "②"),
    ("IV", "Ⅳ", "現行産業の変革", "region", "efficiency", "①"),
]


def dx_lab_name(region_name: str) -> str:
    """The one naming rule of a DX lab in the register: 〈地域名〉地域DX推進ラボ
    (「会津若松市地域DX推進ラボ」), whether it moved from an IoT lab or was selected in a round."""
    return f"{region_name}地域DX推進ラボ"


# The seed's IoT round in selection, as it stood when the study group met.
IOT_ROUND_IN_SELECTION_NOTE = "選定中（令和4年1月現在）"


def local_government_check_digit(first_five: str) -> int:
    """The check digit of a 全国地方公共団体コード (総務省's weights 6,5,4,3,2, modulus 11)."""
    total = sum(int(d) * w for d, w in zip(first_five, (6, 5, 4, 3, 2), strict=True))
    return (11 - total % 11) % 10


def prefecture_local_government_code(jis_code: str) -> str:
    first_five = f"{jis_code}000"
    return first_five + str(local_government_check_digit(first_five))

# 審査の視点: the DX lab's draft six and the IoT lab's four, worded as the seed words them.
# (order, name, description, points, is_bonus)
DX_CRITERIA = [
    (1, "方向性", "DXの推進に向けたビジョンや目標、プロセスが明確であること", [], False),
    (2, "地域性", "取組内容が下記のいずれか、又は両方に該当すること。", [
        "地域課題の解決や地域産業の競争優位性の確保等に資するDX推進のための取組であること。",
        "地域企業の競争優位性の確保等に資するDX推進のための取組であること。",
    ], False),
    (3, "革新性", "取組内容が下記のいずれか、又は両方に該当すること。", [
        "新規産業の創出又は現行産業の変革に資する取組であること。",
        "地域企業の新規ビジネスの創出又は現行ビジネスの変革に資する支援（企業支援の取組）であること。",
    ], False),
    (4, "自治体の積極性と継続性", "", [
        "自治体が積極的に運営・協力しており、反復継続を意図した取組であること。",
        "経済的にも自立し、リターンを産める取組であること。",
        "「地域DX推進ラボ」を適切かつ創造的に運営・発展することができる人材がいること。",
    ], False),
    (5, "多様性と一体感", "地域の特徴ある多くの多様な機関（地域の公的機関、大学・各種学校、研究機関、"
     "企業・事業者、事業者団体、投資家、ベンチャーファンド、金融機関、市民団体等）が連携または参加している"
     "取組であること。", [], False),
    (6, "その他", "以下の取組には審査にあたり配慮します。", [
        "オープンデータを積極的に活用する取組",
        "デジタル推進人材を育成・確保する取組",
        "企業・団体・地域間のデータ連携を創出・促進する取組",
    ], True),
]

IOT_CRITERIA = [
    (1, "地域性", "地域課題の解決等に資するIoTプロジェクト創出のための取組であること。", [], False),
    (2, "自治体の積極性と継続性", "", [
        "自治体が積極的に運営・協力しており、反復継続を意図した取組であること。",
        "経済的にも自立し、リターンを産める取組であること。",
        "「地方版IoT推進ラボ」を適切かつ創造的に運営・発展することができる人材がいること。",
    ], False),
    (3, "多様性と一体感", "地域の特徴ある多くの多様な機関（地域の公的機関、大学・各種学校、研究機関、"
     "企業・事業者、事業者団体、投資家、ベンチャーファンド、金融機関、市民団体等）が連携または参加している"
     "取組であること。", [], False),
    (4, "その他", "以下の取組には審査にあたり配慮します。", [
        "オープンデータを積極的に活用する取組",
        "IT人材を育成する取組",
        "企業・団体・地域間のデータ連携を創出・促進する取組",
    ], True),
]
