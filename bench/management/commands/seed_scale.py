"""`python manage.py seed_scale`: the national-scale data set of the benchmark (see bench.seed)."""

from django.core.management import BaseCommand

from bench.seed import SMALL, SeedParams, seed

DEFAULTS = SeedParams()


class Command(BaseCommand):
    help = ("ベンチマーク用の全国規模のデータ（1,788団体の申請、審査員50人・審査8,940件、移行申請、送信メール"
            "10,000件）を作成します。同じ引数で再実行すると、ベンチマークが変えた部分だけを元に戻します。")

    def add_arguments(self, parser):
        parser.add_argument("--small", action="store_true",
                            help="CI 用の小さなデータ（120団体、審査員10人、送信メール1,000件）。")
        for name, help_text in [
            ("organisations", "申請団体の数（47都道府県＋1,741市区町村）"),
            ("reviewers", "審査員の数"),
            ("reviews_per_application", "1申請あたりの審査員数"),
            ("kpis", "1申請あたりのKPIの行数"),
            ("participants", "1申請あたりの参加機関の数"),
            ("roadmap", "1申請あたりのロードマップの年度数"),
            ("attachments", "1申請あたりの添付書類の数"),
            ("attachment_kb", "添付書類1件の大きさ（KB）"),
            ("outbox", "送信メールの件数"),
            ("drafts", "締切日の公募回の下書きの数（既定: 団体数と同じ）"),
        ]:
            parser.add_argument(f"--{name.replace('_', '-')}", dest=name, type=int, default=None,
                                help=f"{help_text}（既定: {getattr(DEFAULTS, name) or '団体数'}）")

    def handle(self, *args, small=False, **options):
        base = SMALL if small else DEFAULTS
        values = {name: options[name] for name in base.__dataclass_fields__ if options.get(name) is not None}
        params = SeedParams(**{**base.__dict__, **values})
        seed(params, log=lambda line: self.stdout.write(line))
