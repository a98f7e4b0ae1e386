"""The fixed vocabularies of the application form, kept as plain data for the seed migration and tests.

The quadrants come from labportal.seed_data.QUADRANTS and the eligible initiatives from the DX
programme's entry in labportal.seed_data.PROGRAMMES; only what the register does not hold is here.
"""

# 取組イメージ (domain.md section 3), in the seed's order of stages: (code, name, stage)
ACTIVITIES = [
    ("consultation", "相談窓口", "相談する"),
    ("expert_dispatch", "専門家派遣", "相談する"),
    ("training", "デジタル推進人材育成講座／研修", "育てる"),
    ("subsidy", "補助金", "導入する"),
    ("mock_facility", "模擬施設", "試す"),
    ("seminar", "セミナー等", "知る"),
    ("case_studies", "事例集", "知る"),
    ("ideathon", "アイデアソン・ハッカソン", "出会う"),
    ("technology", "技術提供", "使う"),
    ("matching", "ユーザー企業とITベンダー等のマッチング・交流会", "出会う"),
    ("research", "研究開発", "①"),
    ("prototype", "試行・試作", "①"),
    ("demonstration", "製品開発／実証", "①"),
    ("commercialisation", "実装・製品化", "①"),
]

# The eligible initiatives ① and ② by code; their names are the DX programme's own wording.
INITIATIVE_CODES = [("1", "①"), ("2", "②")]

# What the 地域性 criterion asks (審査の視点 2, the seed's 1) and 2)): (code, numeral, wording).
REGIONALITY_ASPECTS = [
    ("1", "1）", "地域課題の解決や地域産業の競争優位性の確保等に資するDX推進のための取組であること。"),
    ("2", "2）", "地域企業の競争優位性の確保等に資するDX推進のための取組であること。"),
]
